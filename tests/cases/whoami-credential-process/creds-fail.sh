#!/bin/sh
echo "sso session expired; run: corp-login" >&2
exit 4

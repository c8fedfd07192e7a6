#!/bin/sh
cat <<JSON
{"Version": 1, "AccessKeyId": "AKIAECSHIPTEST000003", "SecretAccessKey": "ecship/test/secret/proc",
 "Expiration": "2099-01-01T00:00:00Z"}
JSON

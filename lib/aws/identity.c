/*
 * identity.c: who the client's credentials belong to (STS GetCallerIdentity), for `ecship
 * whoami` and the ${AWS_ACCOUNT_ID} built-in. Depends on the client (aws.h) and xml.h;
 * never prints.
 */
#include <string.h>

#include "ecship/aws.h"
#include "ecship/xml.h"

int ship_aws_caller_identity(struct ship_aws *aws, struct ship_caller_identity *id,
			     struct ship_err *err)
{
	xmlDoc *doc = NULL;
	memset(id, 0, sizeof(*id));
	if (ship_aws_query(aws, SHIP_SVC_STS, "GetCallerIdentity", NULL, &doc, NULL, err))
		return -1;
	xmlNode *res = ship_xml_path(ship_xml_root(doc), "GetCallerIdentityResult");
	id->account = ship_xml_path_text(res, "Account");
	id->arn = ship_xml_path_text(res, "Arn");
	id->user_id = ship_xml_path_text(res, "UserId");
	xmlFreeDoc(doc);
	if (!id->account || !id->arn) {
		ship_caller_identity_release(id);
		return ship_err_set(
		    err, SHIP_ERR_PROTOCOL,
		    "STS GetCallerIdentity answered without an Account or Arn; "
		    "the endpoint did not answer like AWS STS (check --endpoint-url)");
	}
	return 0;
}

void ship_caller_identity_release(struct ship_caller_identity *id)
{
	if (!id)
		return;
	ship_free(id->account);
	ship_free(id->arn);
	ship_free(id->user_id);
	memset(id, 0, sizeof(*id));
}

"""shapes.py: validates a JSON answer of an AWS JSON-protocol service against the output shape of
botocore's model (the authority for ECS's shapes): every member known, required members present,
types and enum values right. Used by the sim's scenario tests and by the conformance check over
every answer the simulator gave during the test suite (tests/sim/conformance.py)."""
import botocore.session

_MODELS = {}


def model(service):
    if service not in _MODELS:
        _MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _MODELS[service]


def _check(shape, value, path, out):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            out.append("%s: want an object, got %s" % (path, type(value).__name__))
            return
        for k, v in value.items():
            if k not in shape.members:
                out.append("%s.%s: not a member of %s" % (path, k, shape.name))
            elif v is not None:
                _check(shape.members[k], v, path + "." + k, out)
        for k in shape.required_members:
            if k not in value:
                out.append("%s.%s: required member of %s missing" % (path, k, shape.name))
    elif t == "list":
        if not isinstance(value, list):
            out.append("%s: want a list, got %s" % (path, type(value).__name__))
            return
        for i, v in enumerate(value):
            _check(shape.member, v, "%s[%d]" % (path, i), out)
    elif t == "map":
        if not isinstance(value, dict):
            out.append("%s: want a map, got %s" % (path, type(value).__name__))
            return
        for k, v in value.items():
            _check(shape.value, v, "%s[%s]" % (path, k), out)
    elif t == "string":
        if not isinstance(value, str):
            out.append("%s: want a string, got %r" % (path, value))
        elif getattr(shape, "enum", None) and value not in shape.enum:
            out.append("%s: %r is not one of %s" % (path, value, "|".join(shape.enum)))
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            out.append("%s: want an integer, got %r" % (path, value))
    elif t in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append("%s: want a number, got %r" % (path, value))
    elif t == "boolean":
        if not isinstance(value, bool):
            out.append("%s: want a boolean, got %r" % (path, value))
    elif t == "timestamp":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append("%s: want epoch seconds, got %r" % (path, value))
    elif t == "blob":
        if not isinstance(value, str):
            out.append("%s: want base64 text, got %r" % (path, value))


def violations(service, operation, answer):
    """The list of ways `answer` (a parsed JSON body) breaks the operation's output shape."""
    op = model(service).operation_model(operation)
    out = []
    if op.output_shape is None:
        if answer not in ({}, None):
            out.append("%s: no output shape, got %r" % (operation, answer))
        return out
    _check(op.output_shape, answer, operation, out)
    return out

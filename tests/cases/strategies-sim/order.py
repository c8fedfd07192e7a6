# order.py FILE STAGE...: the deploy's progress in FILE noted these lifecycle stages ("stage NAME
# (...)") in this order, each once, and no other stage.
import re
import sys

seen = re.findall(r"\bstage ([A-Z_]+) \(", open(sys.argv[1]).read())
want = sys.argv[2:]
print("stages seen: " + " ".join(seen))
sys.exit(0 if seen == want else 1)

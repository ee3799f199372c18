"""Independent check of NDEF files with ndeflib: prints the URI of each file's record as JSON.
Usage: python3 ndef_check.py FILE.bin... (a bare NDEF message each)."""
import json
import sys

import ndef

for path in sys.argv[1:]:
    records = list(ndef.message_decoder(open(path, "rb").read()))
    print(json.dumps({"file": path, "records": len(records),
                      "uri": records[0].iri if records and isinstance(records[0], ndef.UriRecord) else None}))

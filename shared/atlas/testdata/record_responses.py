#!/usr/bin/env python3
"""Record real Apache Atlas REST answers from the local stack as test fixtures.

Asks the stack's Atlas (scripts/stack.d/atlas, seeded) what a backup's record asks -- version,
status, metrics, the sample's basic searches, each sampled entity, a lineage, an audit -- and
a few answers a client must understand (401 without credentials, 404 of an unknown guid,
400 of an unknown type), and writes each body verbatim into this folder as
<name>.<http status>.json (or .html), plus index.json: name -> the request path and query.
replay_test.go serves them back by request. Needs a seeded Atlas stack:

    eval "$(scripts/stack env)"; python3 shared/atlas/testdata/record_responses.py
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["STACK_ATLAS_URL"].rstrip("/")
USER = os.environ.get("STACK_ATLAS_USER", "admin")
with open(os.environ["STACK_ATLAS_PASSWORD_FILE"]) as f:
    PASSWORD = f.read().strip()
HERE = os.path.dirname(os.path.abspath(__file__))
index = {}


def call(name, path, query=None, auth=True):
    q = "?" + urllib.parse.urlencode(query) if query else ""
    req = urllib.request.Request(URL + path + q, headers={"Accept": "application/json"})
    if auth:
        tok = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        req.add_header("Authorization", "Basic " + tok)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            code, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        code, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    ext = "json" if body.lstrip()[:1] in (b"{", b"[") else "html"
    with open(os.path.join(HERE, "%s.%d.%s" % (name, code, ext)), "wb") as f:
        f.write(body)
    index[name] = {"path": path, "query": query or {}, "auth": auth, "status": code, "file": "%s.%d.%s" % (name, code, ext), "contentType": ctype}
    print("%-28s HTTP %d %6d bytes  %s%s" % (name, code, len(body), path, q), file=sys.stderr)
    try:
        return json.loads(body)
    except ValueError:
        return None


call("version_noauth", "/api/atlas/admin/version", auth=False)
call("version", "/api/atlas/admin/version")
call("status", "/api/atlas/admin/status")
call("metrics", "/api/atlas/admin/metrics", {"ignoreCache": "true"})
# the sample's searches, as shared/atlas sends them
searches = {
    "search_datasets": {"typeName": "DataSet", "sortBy": "qualifiedName", "limit": 3},
    "search_processes": {"typeName": "Process", "sortBy": "qualifiedName", "limit": 2},
    "search_classified": {"typeName": "Referenceable", "classification": "_CLASSIFIED", "sortBy": "qualifiedName", "limit": 2},
}
guids, processes = [], []
for name, s in searches.items():
    q = {"excludeDeletedEntities": "true", "limit": str(s["limit"]), "typeName": s["typeName"]}
    if "classification" in s:
        q["classification"] = s["classification"]
    q["sortBy"], q["sortOrder"] = s["sortBy"], "ASCENDING"
    ans = call(name, "/api/atlas/v2/search/basic", q) or {}
    for e in ans.get("entities") or []:
        if e["guid"] not in guids:
            guids.append(e["guid"])
        if name == "search_processes":
            processes.append(e["guid"])
for i, g in enumerate(guids):
    call("entity_%d" % i, "/api/atlas/v2/entity/guid/" + g, {"minExtInfo": "true"})
if processes:
    call("lineage_0", "/api/atlas/v2/lineage/" + processes[0], {"direction": "BOTH", "depth": "3"})
if guids:
    call("audit_0", "/api/atlas/v2/entity/%s/audit" % guids[0], {"count": "100"})
call("search_unknown_type", "/api/atlas/v2/search/basic", {"excludeDeletedEntities": "true", "limit": "3", "typeName": "no_such_type"})
call("entity_unknown", "/api/atlas/v2/entity/guid/00000000-0000-0000-0000-000000000000", {"minExtInfo": "true"})
with open(os.path.join(HERE, "index.json"), "w") as f:
    json.dump(index, f, indent=1, sort_keys=True)
    f.write("\n")

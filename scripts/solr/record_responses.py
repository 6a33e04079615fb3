#!/usr/bin/env python3
"""Record real Solr Collections API answers from the local stack into RESPONSES.md.

Runs the backup-related calls (success and failure cases) through the first Kerberos/TLS
front (curl --negotiate, a private ticket cache) and prints Markdown: request, HTTP status and
the JSON body, with the Java stack traces ("trace") cut. Needs `scripts/stack up kdc solr`.

    eval "$(scripts/stack env)"; python3 scripts/solr/record_responses.py > /tmp/body.md
    # then replace the part of RESPONSES.md after "# Recorded answers" with /tmp/body.md
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

FRONT = os.environ["STACK_SOLR_URLS"].split(",")[0]
CA = os.environ["STACK_SOLR_CA"]
BACKUP = os.environ["STACK_SOLR_BACKUP_DIR"]
STACK_DIR = os.path.dirname(os.path.dirname(BACKUP))
NOT_ALLOWED = os.path.join(STACK_DIR, "solr", "not-allowed")
MISSING = os.path.join(BACKUP, "does-not-exist")
CC = os.path.join(STACK_DIR, "solr", "client", "record-ccache")
os.environ["KRB5CCNAME"] = "FILE:" + CC
subprocess.run(["kinit", "-kt", os.environ["STACK_CLIENT_KEYTAB"], os.environ["STACK_CLIENT_PRINCIPAL"]], check=True)

out = sys.stdout


def call(path, negotiate=True, cacert=True):
    argv = ["curl", "-sS", "-w", "\n%{http_code}", "--max-time", "300"]
    if negotiate:
        argv += ["--negotiate", "-u", ":"]
    if cacert:
        argv += ["--cacert", CA]
    argv.append(FRONT + path)
    p = subprocess.run(argv, capture_output=True, text=True)
    body, _, code = p.stdout.rpartition("\n")
    return code, body, p.returncode, p.stderr.strip()


def trim(body):
    return re.sub(r'"trace":"(?:[^"\\]|\\.)*"', '"trace":"<Java stack trace cut>"', body)


def show(title, path, note=None, **kw):
    code, body, rc, err = call(path, **kw)
    out.write("### %s\n\n`GET <front>%s`  \nHTTP %s\n\n" % (title, path.replace(BACKUP, "$STACK_SOLR_BACKUP_DIR").replace(STACK_DIR, "$STACK_DIR"), code))
    if note:
        out.write(note + "\n\n")
    if rc != 0:
        out.write("curl exit %d: `%s`\n\n" % (rc, err))
    if body.strip():
        lang = "json" if body.lstrip().startswith("{") else "html"
        out.write("```%s\n%s\n```\n\n" % (lang, trim(body).rstrip()))
    try:
        return json.loads(body)
    except ValueError:
        return None


def coll(q):
    return "/admin/collections?" + q


def poll(reqid, title):
    """REQUESTSTATUS until a final state; record the first answer and the final one."""
    seen = []
    pending = None
    for _ in range(600):
        code, body, _, _ = call(coll("action=REQUESTSTATUS&requestid=" + reqid))
        st = json.loads(body)["status"]["state"]
        if pending is None and st in ("submitted", "running"):
            pending = (code, body)
        if st not in seen:
            seen.append(st)
        if st in ("completed", "failed", "notfound"):
            break
        time.sleep(0.05)
    out.write("States seen while polling `%s` (every 50 ms): %s\n\n" % (reqid, " → ".join(seen)))
    if pending and title.startswith("REQUESTSTATUS of a completed BACKUP"):
        out.write("### REQUESTSTATUS while the task is %s\n\nHTTP %s\n\n```json\n%s\n```\n\n" % (
            json.loads(pending[1])["status"]["state"], pending[0], trim(pending[1]).rstrip()))
    show(title, coll("action=REQUESTSTATUS&requestid=" + reqid))


def main():
    # clean slate for the names used here
    call(coll("action=DELETESTATUS&flush=true"))
    for c in ("rec_restored", "rec_restored_sync", "rec_restored_id0"):
        call(coll("action=DELETE&name=" + c))
    for d in os.listdir(BACKUP):
        if d.startswith("rec-"):
            shutil.rmtree(os.path.join(BACKUP, d))
    shutil.rmtree(NOT_ALLOWED, ignore_errors=True)
    os.makedirs(NOT_ALLOWED)

    out.write("## The front door (httpd + mod_auth_gssapi + mod_ssl)\n\n")
    code, body, rc, err = call(coll("action=LIST"), negotiate=False)
    out.write("### No Kerberos ticket offered\n\n`GET /admin/collections?action=LIST` without `--negotiate`  \nHTTP %s, header `WWW-Authenticate: Negotiate`, HTML body:\n\n```html\n%s\n```\n\n" % (code, body.rstrip()))
    code, body, rc, err = call(coll("action=LIST"), cacert=False)
    out.write("### Without the stack CA\n\ncurl exit %d: `%s`\n\n" % (rc, err.splitlines()[0] if err else ""))
    show("With a ticket", coll("action=LIST"))

    out.write("## BACKUP, async, success\n\n")
    show("BACKUP vertex_index (async)", coll("action=BACKUP&name=rec-b1&collection=vertex_index&location=%s&async=rec-b1-vertex" % BACKUP))
    poll("rec-b1-vertex", "REQUESTSTATUS of a completed BACKUP")
    files = []
    for root, dirs, fs in os.walk(os.path.join(BACKUP, "rec-b1")):
        for f in fs:
            files.append(os.path.relpath(os.path.join(root, f), BACKUP))
    files.sort()
    shown = [f for f in files if "/index/" not in f]
    out.write("Files in the backup dir after it (index/ holds %d files named by UUID):\n\n```\n%s\n```\n\n" % (
        len([f for f in files if "/index/" in f]), "\n".join(shown)))
    with open(os.path.join(BACKUP, "rec-b1", "vertex_index", "backup_0.properties")) as fh:
        out.write("`backup_0.properties`:\n\n```\n%s\n```\n\n" % fh.read().rstrip())

    show("BACKUP again with the same async id (task completed, status not yet deleted)",
         coll("action=BACKUP&name=rec-b1&collection=vertex_index&location=%s&async=rec-b1-vertex" % BACKUP))
    show("BACKUP again with the same name and a new async id (incremental: backupId 1)",
         coll("action=BACKUP&name=rec-b1&collection=vertex_index&location=%s&async=rec-b1-vertex-2" % BACKUP))
    show("Same async id again while that task may still be running",
         coll("action=BACKUP&name=rec-b1&collection=vertex_index&location=%s&async=rec-b1-vertex-2" % BACKUP))
    poll("rec-b1-vertex-2", "REQUESTSTATUS of the second (incremental) BACKUP")

    out.write("## BACKUP, synchronous, success\n\n")
    show("BACKUP edge_index (no async)", coll("action=BACKUP&name=rec-b2&collection=edge_index&location=%s" % BACKUP))

    out.write("## BACKUP failures\n\n")
    show("Location not in solr.allowPaths (sync)",
         coll("action=BACKUP&name=rec-b3&collection=vertex_index&location=%s" % NOT_ALLOWED))
    left = sorted(os.path.relpath(os.path.join(r, d), NOT_ALLOWED) for r, ds, _ in os.walk(NOT_ALLOWED) for d in ds)
    out.write("Folders Solr left in the not-allowed location anyway: `%s`\n\n" % ", ".join(left))
    show("Location not in solr.allowPaths (async): accepted, fails later",
         coll("action=BACKUP&name=rec-b4&collection=vertex_index&location=%s&async=rec-na" % NOT_ALLOWED))
    poll("rec-na", "REQUESTSTATUS of the failed BACKUP")
    show("Location that does not exist (sync)",
         coll("action=BACKUP&name=rec-b5&collection=vertex_index&location=%s" % MISSING))
    show("Location that does not exist (async): refused at once, nothing queued",
         coll("action=BACKUP&name=rec-b5&collection=vertex_index&location=%s&async=rec-missing" % MISSING))
    show("REQUESTSTATUS of that refused async id", coll("action=REQUESTSTATUS&requestid=rec-missing"))
    show("Collection that does not exist (sync)",
         coll("action=BACKUP&name=rec-b6&collection=nosuch&location=%s" % BACKUP))
    show("Collection that does not exist (async): refused at once",
         coll("action=BACKUP&name=rec-b6&collection=nosuch&location=%s&async=rec-nosuch" % BACKUP))
    show("No location parameter (and no default repository location)",
         coll("action=BACKUP&name=rec-b7&collection=vertex_index"))
    show("REQUESTSTATUS of an unknown id", coll("action=REQUESTSTATUS&requestid=rec-unknown"))

    out.write("## LISTBACKUP\n\n")
    show("LISTBACKUP of an existing backup name", coll("action=LISTBACKUP&name=rec-b1&location=%s" % BACKUP))
    show("LISTBACKUP of a name that does not exist", coll("action=LISTBACKUP&name=rec-nosuch&location=%s" % BACKUP))

    out.write("## RESTORE\n\n")
    show("RESTORE into a new collection (async)",
         coll("action=RESTORE&name=rec-b1&collection=rec_restored&location=%s&async=rec-r1" % BACKUP))
    poll("rec-r1", "REQUESTSTATUS of the RESTORE")
    show("Documents in the restored collection", "/rec_restored/select?q=*:*&rows=0")
    show("RESTORE into a new collection (sync) with an explicit backupId",
         coll("action=RESTORE&name=rec-b1&collection=rec_restored_id0&location=%s&backupId=0" % BACKUP))
    show("RESTORE into a collection that exists (vertex_index itself)",
         coll("action=RESTORE&name=rec-b1&collection=vertex_index&location=%s" % BACKUP),
         note="Solr 9 restores into an existing collection when the shard count matches (no error).")
    show("RESTORE of a backup name that does not exist",
         coll("action=RESTORE&name=rec-nosuch&collection=rec_restored_x&location=%s" % BACKUP))

    out.write("## DELETESTATUS\n\n")
    show("DELETESTATUS of a stored id", coll("action=DELETESTATUS&requestid=rec-b1-vertex"))
    show("DELETESTATUS of the same id again", coll("action=DELETESTATUS&requestid=rec-b1-vertex"))
    show("REQUESTSTATUS after DELETESTATUS", coll("action=REQUESTSTATUS&requestid=rec-b1-vertex"))
    show("BACKUP reusing that async id after DELETESTATUS (accepted again)",
         coll("action=BACKUP&name=rec-b1&collection=vertex_index&location=%s&async=rec-b1-vertex" % BACKUP))
    poll("rec-b1-vertex", "REQUESTSTATUS of the reused id")
    show("DELETESTATUS flush=true (all stored responses)", coll("action=DELETESTATUS&flush=true"))

    out.write("## DELETEBACKUP\n\n")
    show("DELETEBACKUP of one backupId", coll("action=DELETEBACKUP&name=rec-b1&location=%s&backupId=0" % BACKUP))

    out.write("## Counts and layout for the manifest\n\n")
    show("Document count", "/vertex_index/select?q=*:*&rows=0")
    show("CLUSTERSTATUS of one collection", coll("action=CLUSTERSTATUS&collection=edge_index"))

    # tidy up what this run created
    for c in ("rec_restored", "rec_restored_id0"):
        call(coll("action=DELETE&name=" + c))
    call(coll("action=DELETESTATUS&flush=true"))
    shutil.rmtree(NOT_ALLOWED, ignore_errors=True)
    for d in os.listdir(BACKUP):
        if d.startswith("rec-"):
            shutil.rmtree(os.path.join(BACKUP, d))


main()

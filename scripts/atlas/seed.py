#!/usr/bin/env python3
"""Seed the local stack's Apache Atlas through its REST API v2 (stdlib only).

Writes the types the seed needs (scripts/atlas/models/*.json: only the type names Atlas does
not have yet), then a deterministic metadata set: Hive databases, tables with columns,
processes with table and column lineage, classifications that propagate along lineage, a
glossary with categories and terms assigned to entities, labels, updates of some entities and
a soft delete of a table (with its columns) and of the process that loaded it.

Every step is "make it so": it reads what Atlas has (basic search by type, entities by guid,
the glossary) and writes only what is missing or different, creating entities in bulk
(POST /api/atlas/v2/entity/bulk) keyed by qualifiedName. A second run on a seeded Atlas, or a
run on an Atlas restored from a backup of a seeded one, writes nothing.

At the end it writes --out (seed.json, see README "Local stack"): what was seeded, by kind,
with the guids and states Atlas answers, the classifications Atlas reports (direct and
propagated), the glossary, labels, lineage, and counts.

    seed.py --url http://127.0.0.1:21000 --user admin --password-file F --models DIR --out F
"""
import argparse
import base64
import glob
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CLUSTER = "stack"
T0 = 1700000000000  # 2023-11-14T22:13:20Z: every date in the seed derives from it
DAY = 86400000

# ---------------------------------------------------------------- the metadata set

# db -> (description, owner, {table: [(column, type), ...]})
DATABASES = {
    "staging": ("Landing zone: raw extracts as they arrive", "ingest", {
        "raw_customers": [("customer_id", "bigint"), ("full_name", "string"), ("email", "string"),
                          ("phone", "string"), ("country", "string"), ("signup_ts", "string"),
                          ("source", "string")],
        "raw_orders": [("order_id", "bigint"), ("customer_id", "bigint"), ("product_id", "bigint"),
                       ("quantity", "int"), ("unit_price", "decimal(10,2)"), ("currency", "string"),
                       ("order_ts", "string"), ("channel", "string")],
        "raw_products": [("product_id", "bigint"), ("sku", "string"), ("title", "string"),
                         ("category", "string"), ("list_price", "decimal(10,2)"), ("currency", "string")],
        "raw_employees": [("employee_id", "bigint"), ("full_name", "string"), ("email", "string"),
                          ("department", "string"), ("salary", "decimal(12,2)"), ("hire_date", "string"),
                          ("manager_id", "bigint")],
        "raw_payments": [("payment_id", "bigint"), ("order_id", "bigint"), ("amount", "decimal(12,2)"),
                         ("currency", "string"), ("method", "string"), ("paid_ts", "string")],
        "tmp_orders_scratch": [("order_id", "bigint"), ("customer_id", "bigint"), ("note", "string")],
    }),
    "sales": ("Customers, orders and products", "sales-eng", {
        "customers": [("customer_id", "bigint"), ("name", "string"), ("email", "string"),
                      ("phone", "string"), ("country", "string"), ("signup_date", "date"),
                      ("segment", "string")],
        "orders": [("order_id", "bigint"), ("customer_id", "bigint"), ("product_id", "bigint"),
                   ("quantity", "int"), ("amount", "decimal(12,2)"), ("currency", "string"),
                   ("order_date", "date"), ("channel", "string")],
        "order_items": [("order_id", "bigint"), ("line", "int"), ("product_id", "bigint"),
                        ("quantity", "int"), ("price", "decimal(10,2)")],
        "products": [("product_id", "bigint"), ("sku", "string"), ("title", "string"),
                     ("category", "string"), ("price", "decimal(10,2)"), ("currency", "string")],
        "customer_orders": [("customer_id", "bigint"), ("orders_count", "int"),
                            ("total_amount", "decimal(14,2)"), ("first_order_date", "date"),
                            ("last_order_date", "date")],
        "account_managers": [("customer_id", "bigint"), ("employee_id", "bigint"),
                             ("assigned_date", "date")],
    }),
    "finance": ("Payments, revenue and invoices", "finance-eng", {
        "payments": [("payment_id", "bigint"), ("order_id", "bigint"), ("amount", "decimal(12,2)"),
                     ("currency", "string"), ("method", "string"), ("paid_date", "date")],
        "fx_rates": [("day", "date"), ("currency", "string"), ("rate_to_usd", "decimal(12,6)")],
        "order_facts": [("order_id", "bigint"), ("customer_id", "bigint"), ("product_id", "bigint"),
                        ("amount", "decimal(12,2)"), ("paid_amount", "decimal(12,2)"),
                        ("currency", "string"), ("order_date", "date")],
        "daily_revenue": [("day", "date"), ("currency", "string"), ("revenue", "decimal(14,2)"),
                          ("revenue_usd", "decimal(14,2)"), ("orders", "int")],
        "monthly_revenue": [("month", "string"), ("revenue_usd", "decimal(16,2)"), ("orders", "int")],
        "invoices": [("invoice_id", "bigint"), ("order_id", "bigint"), ("customer_id", "bigint"),
                     ("amount", "decimal(12,2)"), ("issued_date", "date")],
    }),
    "hr": ("People and organisation", "people-ops", {
        "employees": [("employee_id", "bigint"), ("name", "string"), ("email", "string"),
                      ("department", "string"), ("salary", "decimal(12,2)"), ("hire_date", "date"),
                      ("manager_id", "bigint")],
        "departments": [("department_id", "int"), ("name", "string"), ("head_employee_id", "bigint")],
        "salary_bands": [("department", "string"), ("band", "string"), ("min_salary", "decimal(12,2)"),
                         ("max_salary", "decimal(12,2)")],
    }),
    "archive": ("Yearly snapshots of orders", "sales-eng", {
        "orders_%d" % y: [("order_id", "bigint"), ("customer_id", "bigint"), ("amount", "decimal(12,2)"),
                          ("currency", "string"), ("order_date", "date")]
        for y in range(2016, 2026)
    }),
}

# process -> (inputs, outputs) as db.table
PROCESSES = {
    "load_customers": (["staging.raw_customers"], ["sales.customers"]),
    "load_orders": (["staging.raw_orders"], ["sales.orders", "sales.order_items"]),
    "load_products": (["staging.raw_products"], ["sales.products"]),
    "load_employees": (["staging.raw_employees"], ["hr.employees"]),
    "load_payments": (["staging.raw_payments"], ["finance.payments"]),
    "load_tmp_orders": (["staging.raw_orders"], ["staging.tmp_orders_scratch"]),
    "build_customer_orders": (["sales.customers", "sales.orders"], ["sales.customer_orders"]),
    "build_order_facts": (["sales.orders", "sales.products", "finance.payments"], ["finance.order_facts"]),
    "build_daily_revenue": (["finance.order_facts", "finance.fx_rates"], ["finance.daily_revenue"]),
    "build_monthly_revenue": (["finance.daily_revenue"], ["finance.monthly_revenue"]),
    "build_invoices": (["finance.order_facts"], ["finance.invoices"]),
    "assign_account_managers": (["sales.customers", "hr.employees"], ["sales.account_managers"]),
}
for _y in range(2016, 2026):
    PROCESSES["archive_orders_%d" % _y] = (["sales.orders"], ["archive.orders_%d" % _y])

# column lineage: (process, [input db.table.column], output db.table.column)
COLUMN_LINEAGE = [
    ("load_customers", ["staging.raw_customers.full_name"], "sales.customers.name"),
    ("load_customers", ["staging.raw_customers.email"], "sales.customers.email"),
    ("load_customers", ["staging.raw_customers.phone"], "sales.customers.phone"),
    ("load_employees", ["staging.raw_employees.email"], "hr.employees.email"),
    ("load_employees", ["staging.raw_employees.salary"], "hr.employees.salary"),
    ("build_daily_revenue", ["finance.order_facts.amount", "finance.fx_rates.rate_to_usd"],
     "finance.daily_revenue.revenue_usd"),
]

# (entity "db.table[.column]", classification, attributes, propagate)
CLASSIFICATIONS = [
    ("staging.raw_customers", "PII", {"level": "high", "reviewed": True}, True),
    ("staging.raw_customers.email", "PII", {"level": "medium", "reviewed": False}, False),
    ("staging.raw_customers.phone", "PII", {"level": "medium", "reviewed": False}, False),
    ("staging.raw_employees.email", "PII", {"level": "medium", "reviewed": True}, False),
    ("staging.raw_employees.salary", "Sensitive", {"level": "high", "reviewed": True, "since": T0}, True),
    ("finance.order_facts", "Confidential", {"owner": "finance-eng"}, True),
    ("archive.orders_2016", "Deprecated", {}, False),
]

# entity -> labels
LABELS = {
    "sales.customers": ["gdpr", "gold"],
    "finance.daily_revenue": ["kpi"],
    "finance.monthly_revenue": ["board", "kpi"],
    "hr.employees": ["gdpr"],
    "archive.orders_2016": ["cold"],
}

GLOSSARY = "Stack Glossary"
CATEGORIES = {"Customer data": "What the company knows about its customers",
              "Finance": "Money in and out"}
# term -> (short description, category, [entities])
TERMS = {
    "Customer": ("A person or company that buys", "Customer data", ["sales.customers"]),
    "Email address": ("An electronic mail address", "Customer data",
                      ["sales.customers.email", "hr.employees.email"]),
    "Phone number": ("A telephone number", "Customer data", ["sales.customers.phone"]),
    "Order": ("A customer's request to buy products", "Customer data", ["sales.orders"]),
    "Revenue": ("Income from sales", "Finance", ["finance.daily_revenue", "finance.monthly_revenue"]),
    "Payment": ("Money received for an order", "Finance", ["finance.payments"]),
    "Employee": ("A person the company employs", None, ["hr.employees"]),
    "Salary": ("What an employee is paid", "Finance", ["hr.employees.salary"]),
}

# updates: entity -> attributes after the update (created with the attributes before)
UPDATES = {
    "sales.orders": {"description": "Orders, deduplicated: one row per order", "owner": "sales-data"},
    "finance.daily_revenue": {"description": "Revenue per day and currency, with USD at the day's rate"},
    "hr.employees": {"owner": "people-data"},
    "sales.customers.segment": {"comment": "customer segment: retail, smb or enterprise"},
}

# soft deletes: processes first, then tables (a table's columns go with it)
DELETES = ["load_tmp_orders", "staging.tmp_orders_scratch"]

# ---------------------------------------------------------------- naming


def qn(name):
    """qualifiedName of db, db.table, db.table.column or a process name (Hive hook style)."""
    if name in PROCESSES:
        return "%s.process.%s@%s" % (CLUSTER, name, CLUSTER)
    return "%s@%s" % (name, CLUSTER)


def kind_of(name):
    if name in PROCESSES:
        return "hive_process"
    return {1: "hive_db", 2: "hive_table", 3: "hive_column"}[name.count(".") + 1]


def lineage_qn(process, out_col):
    return "%s:%s" % (qn(process), out_col)


# ---------------------------------------------------------------- the entities, as created


def created_attrs(name):
    """The attributes an entity is created with (before UPDATES)."""
    i = sorted(all_names()).index(name)
    parts = name.split(".")
    if name in PROCESSES:
        ins, outs = PROCESSES[name]
        return {"qualifiedName": qn(name), "name": name, "description": "%s: %s -> %s" % (name, ", ".join(ins), ", ".join(outs)),
                "owner": "etl", "userName": "etl", "operationType": "QUERY",
                "startTime": T0 + i * DAY, "endTime": T0 + i * DAY + 600000,
                "queryText": "INSERT OVERWRITE TABLE %s SELECT * FROM %s" % (outs[0], ins[0]),
                "queryPlan": "{}", "queryId": "stack_%s" % name, "clusterName": CLUSTER,
                "inputs": [{"typeName": "hive_table", "uniqueAttributes": {"qualifiedName": qn(t)}} for t in ins],
                "outputs": [{"typeName": "hive_table", "uniqueAttributes": {"qualifiedName": qn(t)}} for t in outs]}
    if len(parts) == 1:
        desc, owner, _ = DATABASES[name]
        return {"qualifiedName": qn(name), "name": name, "description": desc, "owner": owner,
                "clusterName": CLUSTER, "location": "hdfs://stack/warehouse/%s.db" % name,
                "parameters": {"seeded_by": "scripts/atlas/seed.py"}, "ownerType": "USER"}
    if len(parts) == 2:
        db, table = parts
        _, owner, tables = DATABASES[db]
        desc = {"sales.orders": "Orders loaded from staging"}.get(name, "%s table %s" % (db, table))
        return {"qualifiedName": qn(name), "name": table, "description": desc, "owner": owner,
                "createTime": T0 + i * DAY, "comment": "seeded", "tableType": "MANAGED_TABLE",
                "temporary": table.startswith("tmp_"), "retention": 0,
                "parameters": {"transactional": "false"},
                "db": {"typeName": "hive_db", "uniqueAttributes": {"qualifiedName": qn(db)}}}
    db, table, col = parts
    cols = DATABASES[db][2][table]
    pos = [c for c, _ in cols].index(col)
    return {"qualifiedName": qn(name), "name": col, "type": cols[pos][1], "position": pos,
            "owner": DATABASES[db][1], "comment": "",
            "table": {"typeName": "hive_table", "uniqueAttributes": {"qualifiedName": qn(db + "." + table)}}}


def all_names():
    names = []
    for db, (_, _, tables) in DATABASES.items():
        names.append(db)
        for t, cols in tables.items():
            names.append("%s.%s" % (db, t))
            names.extend("%s.%s.%s" % (db, t, c) for c, _ in cols)
    names.extend(PROCESSES)
    return names


# ---------------------------------------------------------------- REST


class AtlasError(Exception):
    pass


class Atlas:
    def __init__(self, url, user, password):
        self.url = url.rstrip("/")
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        self.calls = 0

    def call(self, method, path, body=None, params=None, ok=(200, 204), tries=5):
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(tries):
            req = urllib.request.Request(url, data=data, method=method,
                                         headers={"Authorization": self.auth, "Accept": "application/json",
                                                  "Content-Type": "application/json"})
            self.calls += 1
            try:
                with urllib.request.urlopen(req, timeout=600) as r:
                    raw = r.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as e:
                raw = e.read().decode("utf-8", "replace")
                if e.code in ok:
                    return json.loads(raw) if raw else None
                # Atlas answers 503 while it is not ACTIVE, 409/500 on a concurrent graph update
                if e.code in (409, 500, 502, 503) and attempt + 1 < tries:
                    time.sleep(2 * (attempt + 1))
                    continue
                raise AtlasError("%s %s: HTTP %d: %s" % (method, path, e.code, raw[:600]))
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                if attempt + 1 < tries:
                    time.sleep(2 * (attempt + 1))
                    continue
                raise AtlasError("%s %s: %s" % (method, path, e))
        raise AtlasError("%s %s: gave up" % (method, path))

    # entities of one type (ACTIVE and DELETED) by qualifiedName, from basic search
    def by_qn(self, type_name):
        out, offset = {}, 0
        while True:
            rsp = self.call("POST", "/api/atlas/v2/search/basic", {
                "typeName": type_name, "excludeDeletedEntities": False, "includeSubTypes": False,
                "limit": 1000, "offset": offset, "attributes": ["qualifiedName"]})
            ents = (rsp or {}).get("entities") or []
            for e in ents:
                q = (e.get("attributes") or {}).get("qualifiedName")
                if q is None:
                    continue
                # a qualifiedName seen ACTIVE wins over an older DELETED one
                if q not in out or e.get("status") == "ACTIVE":
                    out[q] = e
            if len(ents) < 1000:
                return out
            offset += len(ents)

    def entities(self, guids):
        got = {}
        guids = list(guids)
        for i in range(0, len(guids), 50):
            rsp = self.call("GET", "/api/atlas/v2/entity/bulk",
                            params={"guid": guids[i:i + 50], "minExtInfo": "true"})
            for e in rsp.get("entities") or []:
                got[e["guid"]] = e
        return got


# ---------------------------------------------------------------- steps


def log(msg):
    print("seed: " + msg, file=sys.stderr, flush=True)


def ensure_types(atlas, models_dir):
    """Create the model files' types Atlas lacks, in one request (each typedefs request costs
    Atlas about 20 s on 2 cores, whatever its size: its index and Solr handlers are updated)."""
    headers = atlas.call("GET", "/api/atlas/v2/types/typedefs/headers") or []
    have = {h["name"] for h in headers}
    body, wanted = {}, []
    for f in sorted(glob.glob(os.path.join(models_dir, "*.json"))):
        with open(f) as fh:
            defs = json.load(fh)
        for k, v in defs.items():
            if k.startswith("_"):
                continue
            wanted.extend(d["name"] for d in v)
            body.setdefault(k, []).extend(d for d in v if d["name"] not in have)
    made = sorted(d["name"] for v in body.values() for d in v)
    if made:
        t = time.time()
        atlas.call("POST", "/api/atlas/v2/types/typedefs", body)
        log("types: created %d (%s) in %.1fs" % (len(made), ", ".join(made), time.time() - t))
    else:
        log("types: all %d present" % len(wanted))
    return sorted(wanted), made


def bulk_create(atlas, entities, what):
    """POST the entities (AtlasEntity dicts, refs by uniqueAttributes) in one bulk request."""
    if not entities:
        return 0
    t = time.time()
    rsp = atlas.call("POST", "/api/atlas/v2/entity/bulk", {"entities": entities})
    made = len(((rsp or {}).get("mutatedEntities") or {}).get("CREATE") or [])
    log("%s: %d sent, %d created in %.1fs" % (what, len(entities), made, time.time() - t))
    return len(entities)


def ensure_entities(atlas):
    writes = 0
    existing = {}
    for kind in ("hive_db", "hive_table", "hive_column", "hive_process", "hive_column_lineage"):
        existing.update(atlas.by_qn(kind))

    def missing(names):
        return [n for n in names if qn(n) not in existing]

    names = all_names()
    dbs = [n for n in names if kind_of(n) == "hive_db"]
    writes += bulk_create(atlas, [{"typeName": "hive_db", "attributes": created_attrs(n)} for n in missing(dbs)], "databases")
    for db in DATABASES:
        batch = [n for n in names if n.startswith(db + ".") and kind_of(n) in ("hive_table", "hive_column")]
        batch = missing(batch)
        # one request per database: a table made in it is referred to by its placeholder guid
        # (Atlas looks uniqueAttributes references up in the graph, not in the request)
        placeholder = {n: "-%d" % (i + 1) for i, n in enumerate(b for b in batch if kind_of(b) == "hive_table")}
        ents = []
        for n in batch:
            e = {"typeName": kind_of(n), "attributes": created_attrs(n)}
            if n in placeholder:
                e["guid"] = placeholder[n]
            else:
                t = n.rsplit(".", 1)[0]
                if t in placeholder:
                    e["attributes"]["table"] = {"typeName": "hive_table", "guid": placeholder[t]}
            ents.append(e)
        writes += bulk_create(atlas, ents, "tables and columns of %s" % db)
    procs = missing(list(PROCESSES))
    writes += bulk_create(atlas, [{"typeName": "hive_process", "attributes": created_attrs(p)} for p in procs],
                          "processes")
    lineage = []
    for proc, ins, out in COLUMN_LINEAGE:
        q = lineage_qn(proc, out)
        if q in existing:
            continue
        lineage.append({"typeName": "hive_column_lineage", "attributes": {
            "qualifiedName": q, "name": "%s -> %s" % (", ".join(ins), out), "owner": "etl",
            "depenendencyType": "SIMPLE" if len(ins) == 1 else "EXPRESSION",
            "expression": None if len(ins) == 1 else "revenue * rate_to_usd",
            "inputs": [{"typeName": "hive_column", "uniqueAttributes": {"qualifiedName": qn(c)}} for c in ins],
            "outputs": [{"typeName": "hive_column", "uniqueAttributes": {"qualifiedName": qn(out)}}],
            "query": {"typeName": "hive_process", "uniqueAttributes": {"qualifiedName": qn(proc)}}}})
    writes += bulk_create(atlas, lineage, "column lineage")
    return writes


def seed_index(atlas):
    """qualifiedName -> entity header (guid, status, ...) of everything the seed made."""
    idx = {}
    for kind in ("hive_db", "hive_table", "hive_column", "hive_process", "hive_column_lineage"):
        idx.update(atlas.by_qn(kind))
    return idx


def ensure_updates(atlas, idx):
    writes = 0
    full = atlas.entities(idx[qn(n)]["guid"] for n in UPDATES)
    todo = []
    for name, want in sorted(UPDATES.items()):
        e = full[idx[qn(name)]["guid"]]
        if all(e["attributes"].get(k) == v for k, v in want.items()):
            continue
        attrs = {"qualifiedName": qn(name)}
        attrs.update(want)
        # the rest of what a full update sends: the entity as created, then the update
        base = created_attrs(name)
        base.update(attrs)
        todo.append({"typeName": kind_of(name), "guid": e["guid"], "attributes": base})
    if todo:
        t = time.time()
        atlas.call("POST", "/api/atlas/v2/entity/bulk", {"entities": todo})
        writes += len(todo)
        log("updates: %d entities in %.1fs" % (len(todo), time.time() - t))
    return writes


def ensure_classifications(atlas, idx):
    writes = 0
    guids = {n: idx[qn(n)]["guid"] for n, _, _, _ in CLASSIFICATIONS}
    full = atlas.entities(set(guids.values()))
    groups = {}
    for name, cls, attrs, prop in CLASSIFICATIONS:
        g = guids[name]
        direct = [c for c in full[g].get("classifications") or [] if c["typeName"] == cls and c.get("entityGuid") == g]
        if direct:
            continue
        key = json.dumps([cls, attrs, prop], sort_keys=True)
        groups.setdefault(key, []).append(g)
    for key, gs in sorted(groups.items()):
        cls, attrs, prop = json.loads(key)
        t = time.time()
        atlas.call("POST", "/api/atlas/v2/entity/bulk/classification", {
            "classification": {"typeName": cls, "attributes": attrs, "propagate": prop,
                               "removePropagationsOnEntityDelete": True},
            "entityGuids": sorted(gs)})
        writes += len(gs)
        log("classification %s%s on %d entities in %.1fs" % (cls, " (propagated)" if prop else "", len(gs), time.time() - t))
    return writes


def ensure_labels(atlas, idx):
    writes = 0
    full = atlas.entities(idx[qn(n)]["guid"] for n in LABELS)
    for name, labels in sorted(LABELS.items()):
        g = idx[qn(name)]["guid"]
        if sorted(full[g].get("labels") or []) == sorted(labels):
            continue
        atlas.call("POST", "/api/atlas/v2/entity/guid/%s/labels" % g, sorted(labels))
        writes += 1
    if writes:
        log("labels: set on %d entities" % writes)
    return writes


def ensure_glossary(atlas, idx):
    writes = 0
    gl = next((g for g in atlas.call("GET", "/api/atlas/v2/glossary", params={"limit": 100}) or []
               if g.get("name") == GLOSSARY), None)
    if gl is None:
        gl = atlas.call("POST", "/api/atlas/v2/glossary", {
            "name": GLOSSARY, "shortDescription": "Business terms of the local stack's seed",
            "longDescription": "Written by scripts/atlas/seed.py", "language": "en", "usage": "tests"})
        writes += 1
    gguid = gl["guid"]
    gl = atlas.call("GET", "/api/atlas/v2/glossary/%s" % gguid)
    cats = {c["displayText"]: c["categoryGuid"] for c in gl.get("categories") or []}
    new = [{"name": n, "shortDescription": d, "anchor": {"glossaryGuid": gguid}}
           for n, d in sorted(CATEGORIES.items()) if n not in cats]
    if new:
        for c in atlas.call("POST", "/api/atlas/v2/glossary/categories", new):
            cats[c["name"]] = c["guid"]
        writes += len(new)
    terms = {t["displayText"]: t["termGuid"] for t in gl.get("terms") or []}
    new = []
    for n, (d, cat, _) in sorted(TERMS.items()):
        if n in terms:
            continue
        t = {"name": n, "shortDescription": d, "anchor": {"glossaryGuid": gguid}}
        if cat:
            t["categories"] = [{"categoryGuid": cats[cat]}]
        new.append(t)
    if new:
        for t in atlas.call("POST", "/api/atlas/v2/glossary/terms", new):
            terms[t["name"]] = t["guid"]
        writes += len(new)
    assigned = {}
    for n, (_, _, ents) in sorted(TERMS.items()):
        have = {a["guid"] for a in atlas.call("GET", "/api/atlas/v2/glossary/terms/%s/assignedEntities" % terms[n],
                                              params={"limit": 1000}) or []}
        want = [idx[qn(e)]["guid"] for e in ents]
        add = [g for g in want if g not in have]
        if add:
            atlas.call("POST", "/api/atlas/v2/glossary/terms/%s/assignedEntities" % terms[n], [{"guid": g} for g in add])
            writes += len(add)
        assigned[n] = want
    if writes:
        log("glossary: %d writes" % writes)
    return writes, gguid, cats, terms, assigned


def ensure_deletes(atlas, idx):
    writes = 0
    for name in DELETES:
        h = idx[qn(name)]
        if h.get("status") == "DELETED":
            continue
        atlas.call("DELETE", "/api/atlas/v2/entity/guid/%s" % h["guid"])
        writes += 1
        log("soft-deleted %s (%s)" % (qn(name), h["guid"]))
    return writes


# ---------------------------------------------------------------- seed.json


def describe(atlas, idx, types, gguid, cats, terms, assigned, started, writes):
    by_kind, counts = {}, {}
    for q, h in sorted(idx.items()):
        k = h["typeName"]
        by_kind.setdefault(k, []).append({"qualifiedName": q, "guid": h["guid"], "status": h.get("status")})
        counts.setdefault(k, {}).setdefault(h.get("status"), 0)
        counts[k][h.get("status")] += 1
    # what Atlas reports for the classified entities and everything lineage reaches from them
    full = atlas.entities([h["guid"] for h in idx.values()])
    classified = []
    for g, e in sorted(full.items()):
        for c in e.get("classifications") or []:
            classified.append({"guid": g, "qualifiedName": e["attributes"].get("qualifiedName"),
                               "typeName": c["typeName"], "propagated": c.get("entityGuid") != g,
                               "sourceGuid": c.get("entityGuid"), "propagate": c.get("propagate", False)})
    classified.sort(key=lambda c: (c["typeName"], c["qualifiedName"], c["sourceGuid"] or ""))
    labels = {idx[qn(n)]["guid"]: sorted(v) for n, v in sorted(LABELS.items())}
    sample = qn("build_order_facts")
    deleted = [{"typeName": full[h["guid"]]["typeName"], "qualifiedName": q, "guid": h["guid"]}
               for q, h in sorted(idx.items()) if h.get("status") == "DELETED"]
    return {
        "formatVersion": 1,
        "cluster": CLUSTER,
        "seededAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "writes": writes,
        "types": types,
        "counts": counts,
        "entityCount": sum(sum(v.values()) for v in counts.values()),
        "entities": by_kind,
        "deleted": deleted,
        "updated": [{"qualifiedName": qn(n), "guid": idx[qn(n)]["guid"], "attributes": v} for n, v in sorted(UPDATES.items())],
        "classifications": classified,
        "labels": labels,
        "glossary": {"guid": gguid, "name": GLOSSARY,
                     "categories": [{"name": n, "guid": g} for n, g in sorted(cats.items())],
                     "terms": [{"name": n, "guid": terms[n], "qualifiedName": "%s@%s" % (n, GLOSSARY),
                                "assignedEntities": assigned[n]} for n in sorted(terms)]},
        "lineage": {"processes": [idx[qn(p)]["guid"] for p in sorted(PROCESSES) if idx[qn(p)].get("status") == "ACTIVE"],
                    "sampleProcess": {"qualifiedName": sample, "guid": idx[sample]["guid"],
                                      "inputs": [idx[qn(t)]["guid"] for t in PROCESSES["build_order_facts"][0]],
                                      "outputs": [idx[qn(t)]["guid"] for t in PROCESSES["build_order_facts"][1]]},
                    "columnLineage": [idx[lineage_qn(p, o)]["guid"] for p, _, o in COLUMN_LINEAGE]},
        "search": {"typeName": "hive_table", "query": "orders", "note": "a basic search Solr answers"},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.password_file) as f:
        atlas = Atlas(a.url, a.user, f.read().strip())
    started = time.time()
    try:
        types, made = ensure_types(atlas, a.models)
        writes = len(made)
        writes += ensure_entities(atlas)
        idx = seed_index(atlas)
        missing = [n for n in all_names() if qn(n) not in idx]
        if missing:
            raise AtlasError("entities missing after the bulk create: %s" % ", ".join(missing[:10]))
        writes += ensure_updates(atlas, idx)
        writes += ensure_classifications(atlas, idx)
        writes += ensure_labels(atlas, idx)
        w, gguid, cats, terms, assigned = ensure_glossary(atlas, idx)
        writes += w
        writes += ensure_deletes(atlas, idx)
        idx = seed_index(atlas)
        doc = describe(atlas, idx, types, gguid, cats, terms, assigned, started, writes)
    except AtlasError as e:
        print("seed: %s" % e, file=sys.stderr)
        return 1
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, a.out)
    log("%d entities (%s), %d writes, %d REST calls, %.1fs" % (
        doc["entityCount"], ", ".join("%s %d" % (k, sum(v.values())) for k, v in sorted(doc["counts"].items())),
        writes, atlas.calls, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())

package stack.hbase;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.ClusterMetrics;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.KeepDeletedCells;
import org.apache.hadoop.hbase.MemoryCompactionPolicy;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableExistsException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.TableNotFoundException;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptor;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.filter.FirstKeyOnlyFilter;
import org.apache.hadoop.hbase.io.compress.Compression;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.apache.hadoop.hbase.regionserver.BloomType;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.RegionSplitter;
import org.apache.hadoop.hbase.util.VersionInfo;

/**
 * A stand-in for {@code hbase shell} (the JRuby shell, hbase-shell, is not served by the Maven
 * registry reachable here). It reads the Ruby-literal subset that scripts send to {@code hbase
 * shell -n} and prints what HBase 2.x's shell prints for it, with the same exit codes:
 *
 * <ul>
 *   <li>commands: describe/desc, create, disable, enable, drop, truncate, count, scan, exists, list,
 *       is_enabled, is_disabled, version, status, whoami, exit/quit, help;
 *   <li>output text is built from the same calls the Ruby commands make (describe prints the
 *       Java {@code ColumnFamilyDescriptor.toString()} per family, as the real one does);
 *   <li>{@code -n}: the first error prints {@code ERROR <RubyClass>: <message>} and exits 1
 *       (after the command's {@code Took N seconds}, which has no newline in that case); EOF
 *       exits 0. Without {@code -n}: errors print {@code ERROR: <message>} and the shell goes
 *       on; exit 0 (as the real shell does on stdin).
 * </ul>
 *
 * <p>Echo style (env STACK_HBASE_SHELL_STYLE): {@code irb} (default; HBase 2.4+ IRB: prompt
 * {@code hbase:001:0> } plus the statement, return values as {@code => value}, nil hidden),
 * {@code prompt} (prompt glued to the first output line, no echo), {@code plain} (HBase
 * 2.0-2.3 non-interactive REPL: no prompt, return value printed with Ruby {@code puts}).
 */
public final class Shell {
  enum Style { IRB, PROMPT, PLAIN }

  /** A Ruby exception to report: class name and message. */
  static final class ShellError extends Exception {
    final String rubyClass;
    final boolean javaException;

    ShellError(String rubyClass, String message) {
      this(rubyClass, message, false);
    }

    ShellError(String rubyClass, String message, boolean javaException) {
      super(message);
      this.rubyClass = rubyClass;
      this.javaException = javaException;
    }
  }

  /** Hbase::Table as returned by create. */
  record TableRef(String name) {
    @Override
    public String toString() {
      return "Hbase::Table - " + name;
    }
  }

  /** exit [code] */
  static final class ExitRequest extends RuntimeException {
    final int code;

    ExitRequest(int code) {
      super(null, null, false, false);
      this.code = code;
    }
  }

  private final PrintStream out;
  private final Configuration conf;
  private final boolean interactive;
  private final Style style;
  private Connection connection;
  private Admin admin;

  Shell(PrintStream out, Configuration conf, boolean interactive, Style style) {
    this.out = out;
    this.conf = conf;
    this.interactive = interactive;
    this.style = style;
  }

  static final String HELP = String.join("\n",
      "Usage: shell [OPTIONS] [SCRIPTFILE [ARGUMENTS]]",
      "",
      " -d | --debug            Set DEBUG log levels.",
      " -h | --help             This help.",
      " -n | --noninteractive   Do not run within an IRB session and exit with non-zero",
      "                         status on first error.",
      " -Dkey=value             Pass hbase-*.xml Configuration overrides.",
      "",
      "(stack emulation of the HBase shell: see scripts/hbase/NOTES.md)");

  public static void main(String[] args) throws Exception {
    boolean interactive = true;
    String script = null;
    Configuration conf = HBaseConfiguration.create();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-n") || a.equals("--noninteractive")) {
        interactive = false;
      } else if (a.equals("-h") || a.equals("--help")) {
        System.out.println(HELP);
        return;
      } else if (a.equals("-d") || a.equals("--debug")) {
        System.out.println("Setting DEBUG log level...");
      } else if (a.equals("--top-level-defs") || a.equals("-r") || a.equals("--return-values")) {
        // accepted, no effect
      } else if (a.equals("-D") && i + 1 < args.length) {
        setKv(conf, args[++i]);
      } else if (a.startsWith("-D")) {
        setKv(conf, a.substring(2));
      } else {
        script = a;
        break;
      }
    }
    // the real shell keeps client retries short-ish so a dead cluster fails in reasonable time
    conf.setIfUnset("hbase.client.retries.number", "7");
    conf.setIfUnset("hbase.ipc.client.connect.max.retries", "3");
    String s = System.getenv("STACK_HBASE_SHELL_STYLE");
    Style style = Style.IRB;
    if (s != null && !s.isEmpty()) {
      try {
        style = Style.valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        System.err.println("ERROR: STACK_HBASE_SHELL_STYLE must be irb, prompt or plain");
        System.exit(1);
      }
    }
    PrintStream out = new PrintStream(
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false,
        StandardCharsets.UTF_8);
    int rc;
    String text;
    if (script != null) {
      text = Files.readString(Path.of(script), StandardCharsets.UTF_8);
    } else {
      text = readAll(System.in);
    }
    Shell sh = new Shell(out, conf, interactive, style);
    try {
      rc = sh.run(text);
    } finally {
      out.flush();
      sh.close();
    }
    System.exit(rc);
  }

  private static void setKv(Configuration conf, String kv) {
    String[] p = kv.split("=", 2);
    if (p.length != 2) {
      System.err.println("ERROR: Expected parameter " + kv + " in key=value format");
      System.exit(1);
    }
    conf.set(p[0], p[1]);
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  void close() {
    try {
      if (admin != null) {
        admin.close();
      }
      if (connection != null) {
        connection.close();
      }
    } catch (IOException e) {
      // ignore
    }
  }

  Admin admin() throws IOException {
    if (admin == null) {
      connection = ConnectionFactory.createConnection(conf);
      admin = connection.getAdmin();
    }
    return admin;
  }

  // ---------------------------------------------------------------------------------------
  // REPL

  int run(String text) {
    Parser p = new Parser(text);
    while (true) {
      Statement st;
      try {
        st = p.next();
      } catch (ShellError e) {
        return fail(e, null);
      }
      if (st == null) {
        if (style == Style.PROMPT) {
          out.print(prompt(p.line()));
          out.println();
        }
        return 0;
      }
      if (style == Style.IRB) {
        out.print(prompt(st.line));
        out.println(st.source);
      } else if (style == Style.PROMPT) {
        out.print(prompt(st.line));
      }
      try {
        Object ret = execute(st);
        printReturn(ret);
      } catch (ExitRequest e) {
        out.flush();
        return e.code;
      } catch (ShellError e) {
        int rc = fail(e, st);
        if (rc != 0) {
          return rc;
        }
      }
      out.flush();
    }
  }

  private String prompt(int line) {
    return String.format("hbase:%03d:0> ", line);
  }

  private int fail(ShellError e, Statement st) {
    if (interactive && st != null && !"NameError".equals(e.rubyClass)
        && !"SyntaxError".equals(e.rubyClass)) {
      return 0; // already reported by the command wrapper
    }
    if (interactive) {
      out.println("ERROR: " + e.getMessage());
      out.println();
      return 0;
    }
    if (e.javaException) {
      System.err.println("java exception");
    }
    out.println("ERROR " + e.rubyClass + ": " + e.getMessage());
    out.flush();
    return 1;
  }

  private void printReturn(Object ret) {
    if (style == Style.PLAIN) {
      if (ret instanceof List<?> l) {
        if (l.isEmpty()) {
          out.println();
        }
        for (Object o : l) {
          out.println(o);
        }
      } else {
        out.println(ret == null ? "" : String.valueOf(ret));
      }
    } else if (ret != null) {
      out.println("=> " + inspect(ret));
    }
  }

  static String inspect(Object o) {
    if (o instanceof String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    if (o instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          b.append(", ");
        }
        b.append(inspect(l.get(i)));
      }
      return b.append(']').toString();
    }
    if (o instanceof TableRef t) {
      return t.toString();
    }
    return String.valueOf(o);
  }

  // ---------------------------------------------------------------------------------------
  // Commands (each like Shell::Commands::Command#command_safe)

  private Object execute(Statement st) throws ShellError {
    String cmd = st.command;
    if (cmd.equals("exit") || cmd.equals("quit")) {
      int code = st.args.isEmpty() ? 0 : (int) toLong(st.args.get(0));
      throw new ExitRequest(code);
    }
    if (cmd.equals("help")) {
      out.println("HBase Shell (stack emulation), version " + VersionInfo.getVersion());
      out.println("Commands: count, create, describe, desc, disable, drop, enable, exists, "
          + "is_disabled, is_enabled, list, scan, status, truncate, version, whoami, exit");
      return null;
    }
    if (!COMMANDS.contains(cmd)) {
      throw new ShellError("NameError",
          "undefined local variable or method `" + cmd + "' for main:Object");
    }
    long start = System.nanoTime();
    Object ret = null;
    ShellError err = null;
    try {
      ret = dispatch(cmd, st.args);
    } catch (ShellError e) {
      err = e;
    } catch (Exception e) {
      err = translate(e, st.args.isEmpty() ? null : st.args.get(0));
    }
    if (err != null && interactive) {
      out.println();
      out.println("ERROR: " + err.getMessage());
      out.println();
      out.println("For usage try 'help \"" + cmd + "\"'");
      out.println();
    }
    out.print(String.format(Locale.ROOT, "Took %.4f seconds", (System.nanoTime() - start) / 1e9));
    if (err != null) {
      if (interactive) {
        out.println();
      }
      throw err;
    }
    out.println();
    return ret;
  }

  static final Set<String> COMMANDS = Set.of("describe", "desc", "create", "disable", "enable",
      "drop", "truncate", "count", "scan", "exists", "list", "is_enabled", "is_disabled", "version",
      "status", "whoami", "snapshot", "list_snapshots", "delete_snapshot", "clone_snapshot",
      "restore_snapshot");

  private Object dispatch(String cmd, List<Object> args) throws Exception {
    switch (cmd) {
      case "describe":
      case "desc":
        return describe(str(args, 0));
      case "create":
        return create(args);
      case "disable":
        admin().disableTable(TableName.valueOf(str(args, 0)));
        return null;
      case "enable":
        admin().enableTable(TableName.valueOf(str(args, 0)));
        return null;
      case "drop":
        return drop(str(args, 0));
      case "truncate":
        return truncate(str(args, 0));
      case "count":
        return count(args);
      case "scan":
        return scan(args);
      case "exists": {
        String t = str(args, 0);
        boolean e = admin().tableExists(TableName.valueOf(t));
        out.println("Table " + t + " " + (e ? "does exist" : "does not exist"));
        return e;
      }
      case "list":
        return list(args.isEmpty() ? ".*" : str(args, 0));
      case "is_enabled": {
        boolean e = admin().isTableEnabled(TableName.valueOf(str(args, 0)));
        out.println(e);
        return e;
      }
      case "is_disabled": {
        boolean d = admin().isTableDisabled(TableName.valueOf(str(args, 0)));
        out.println(d);
        return d;
      }
      case "version":
        out.println(VersionInfo.getVersion() + ", r" + VersionInfo.getRevision() + ", "
            + VersionInfo.getDate());
        return null;
      case "status": {
        ClusterMetrics m = admin().getClusterMetrics();
        int servers = m.getLiveServerMetrics().size();
        out.println(String.format(Locale.ROOT,
            "1 active master, %d backup masters, %d servers, %d dead, %.4f average load",
            m.getBackupMasterNames().size(), servers, m.getDeadServerNames().size(),
            m.getAverageLoad()));
        return null;
      }
      case "whoami":
        out.println(org.apache.hadoop.security.UserGroupInformation.getCurrentUser());
        return null;
      // snapshots: as HBase 2.5's commands/{snapshot,list_snapshots,delete_snapshot,
      // clone_snapshot,restore_snapshot}.rb call Admin
      case "snapshot":
        admin().snapshot(str(args, 1), TableName.valueOf(str(args, 0)));
        return null;
      case "list_snapshots":
        return listSnapshots(args.isEmpty() ? ".*" : str(args, 0));
      case "delete_snapshot":
        admin().deleteSnapshot(str(args, 0));
        return null;
      case "clone_snapshot":
        try {
          admin().cloneSnapshot(str(args, 0), TableName.valueOf(str(args, 1)));
        } catch (TableExistsException e) {
          throw new ShellError("RuntimeError", "Table already exists: " + str(args, 1) + "!");
        }
        return null;
      case "restore_snapshot":
        admin().restoreSnapshot(str(args, 0));
        return null;
      default:
        throw new ShellError("NameError", "undefined method `" + cmd + "'");
    }
  }

  private Object describe(String table) throws Exception {
    TableName tn = TableName.valueOf(table);
    TableDescriptor td = admin().getDescriptor(tn); // TableNotFoundException -> Unknown table
    out.println("Table " + table + " is " + (admin().isTableEnabled(tn) ? "ENABLED" : "DISABLED"));
    String attrs = "";
    if (td instanceof TableDescriptorBuilder.ModifyableTableDescriptor m) {
      attrs = m.toStringTableAttributes();
    }
    out.println(table + attrs);
    out.println("COLUMN FAMILIES DESCRIPTION");
    int rows = 0;
    for (ColumnFamilyDescriptor cf : td.getColumnFamilies()) {
      out.println(cf.toString());
      out.println();
      rows++;
    }
    out.println(rows + " row(s)");
    if (admin().tableExists(TableName.valueOf("hbase:quota"))) {
      out.println();
      out.println("QUOTAS");
      out.println("0 row(s)");
    } else {
      out.println("Quota is disabled");
    }
    return null;
  }

  private Object listSnapshots(String regex) throws Exception {
    out.println("SNAPSHOT  TABLE + CREATION TIME");
    List<Object> names = new ArrayList<>();
    for (org.apache.hadoop.hbase.client.SnapshotDescription d
        : admin().listSnapshots(Pattern.compile(regex))) {
      names.add(d.getName());
      String created = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z")
          .format(java.time.ZonedDateTime.ofInstant(
              java.time.Instant.ofEpochMilli(d.getCreationTime() / 1000 * 1000),
              java.time.ZoneId.systemDefault()));
      out.println(" " + d.getName() + " " + d.getTableNameAsString() + " (" + created + ")");
    }
    out.println(names.size() + " row(s)");
    return names;
  }

  private Object list(String regex) throws Exception {
    out.println("TABLE");
    List<Object> names = new ArrayList<>();
    for (TableName tn : admin().listTableNames(Pattern.compile(regex))) {
      names.add(tn.getNameAsString());
    }
    for (Object n : names) {
      out.println(n);
    }
    out.println(names.size() + " row(s)");
    return names;
  }

  private Object drop(String table) throws Exception {
    TableName tn = TableName.valueOf(table);
    if (admin().tableExists(tn) && admin().isTableEnabled(tn)) {
      throw new ShellError("ArgumentError", "Table " + table + " is enabled. Disable it first.");
    }
    admin().deleteTable(tn);
    return null;
  }

  private Object truncate(String table) throws Exception {
    TableName tn = TableName.valueOf(table);
    out.println("Truncating '" + table + "' table (it may take a while):");
    if (!admin().tableExists(tn)) {
      throw new TableNotFoundException(tn);
    }
    if (admin().isTableEnabled(tn)) {
      out.println("Disabling table...");
      admin().disableTable(tn);
    }
    out.println("Truncating table...");
    admin().truncateTable(tn, false);
    return null;
  }

  private Object count(List<Object> args) throws Exception {
    String table = str(args, 0);
    long interval = 1000;
    int cache = 10;
    if (args.size() > 1) {
      Object p = args.get(1);
      if (p instanceof Map<?, ?> m) {
        if (m.containsKey("INTERVAL")) {
          interval = toLong(m.get("INTERVAL"));
        }
        if (m.containsKey("CACHE")) {
          cache = (int) toLong(m.get("CACHE"));
        }
      } else {
        interval = toLong(p);
      }
    }
    TableName tn = TableName.valueOf(table);
    if (!admin().tableExists(tn)) {
      throw new TableNotFoundException(tn);
    }
    long count = 0;
    Scan scan = new Scan().setFilter(new FirstKeyOnlyFilter()).setCaching(cache)
        .setCacheBlocks(false);
    try (Table t = connection.getTable(tn); ResultScanner rs = t.getScanner(scan)) {
      for (Result r : rs) {
        count++;
        if (interval > 0 && count % interval == 0) {
          out.println("Current count: " + count + ", row: " + Bytes.toStringBinary(r.getRow()));
        }
      }
    }
    out.println(count + " row(s)");
    return count;
  }

  /**
   * {@code scan 't', {LIMIT => n, CACHE => n, FILTER => "...", MAXLENGTH => n, STARTROW => 'r',
   * STOPROW => 'r', VERSIONS => n, RAW => true, TIMERANGE => [a, b]}} as HBase 2.5's
   * commands/scan.rb and Hbase::Table#_scan_internal print it on a non-terminal (width 0, so no
   * padding): {@code ROW  COLUMN+CELL}, then one {@code " <row> column=<f>:<q>, timestamp=<ts>,
   * value=<v>"} line per cell (row, qualifier and value through Bytes.toStringBinary; a delete
   * marker of a RAW scan prints {@code type=<Type>} instead of the value), then {@code N row(s)}.
   * The timestamp is printed as 2.3+ shells do (HBASE-23930): a LocalDateTime of the value taken
   * as milliseconds in the JVM's time zone, or the number when
   * hbase.shell.timestamp.format.epoch is true. Options the emulation does not implement are an
   * error (the real shell has more), never silently ignored.
   */
  @SuppressWarnings("unchecked")
  private Object scan(List<Object> args) throws Exception {
    String table = str(args, 0);
    Map<String, Object> opts = new LinkedHashMap<>();
    if (args.size() > 1) {
      if (!(args.get(1) instanceof Map<?, ?> m)) {
        throw new ShellError("ArgumentError", "Arguments should be a Hash");
      }
      opts.putAll((Map<String, Object>) m);
    }
    if (args.size() > 2) {
      throw new ShellError("ArgumentError", "wrong number of arguments (given " + args.size()
          + ", expected 1..2)");
    }
    long limit = -1;
    int maxlength = -1;
    Scan scan = new Scan();
    for (Map.Entry<String, Object> e : opts.entrySet()) {
      Object v = e.getValue();
      switch (e.getKey()) {
        case "LIMIT":
          limit = toLong(v);
          break;
        case "MAXLENGTH":
          maxlength = (int) toLong(v);
          break;
        case "CACHE":
          if (toLong(v) > 0) {
            scan.setCaching((int) toLong(v));
          }
          break;
        case "FILTER":
          scan.setFilter(new org.apache.hadoop.hbase.filter.ParseFilter()
              .parseFilterString(String.valueOf(v)));
          break;
        case "STARTROW":
          scan.withStartRow(Bytes.toBytesBinary(String.valueOf(v)));
          break;
        case "STOPROW":
          scan.withStopRow(Bytes.toBytesBinary(String.valueOf(v)));
          break;
        case "VERSIONS":
          if (toLong(v) > 1) {
            scan.readVersions((int) toLong(v));
          }
          break;
        case "RAW":
          scan.setRaw(Boolean.TRUE.equals(v));
          break;
        case "TIMERANGE": {
          if (!(v instanceof List<?> l) || l.size() != 2) {
            throw new ShellError("ArgumentError", "TIMERANGE must be [start, end]");
          }
          scan.setTimeRange(toLong(l.get(0)), toLong(l.get(1)));
          break;
        }
        default:
          throw new ShellError("ArgumentError",
              "stack emulation: scan option " + e.getKey() + " is not implemented");
      }
    }
    TableName tn = TableName.valueOf(table);
    if (!admin().tableExists(tn)) {
      throw new TableNotFoundException(tn);
    }
    boolean epoch = conf.getBoolean("hbase.shell.timestamp.format.epoch", false);
    out.println("ROW  COLUMN+CELL");
    long count = 0;
    try (Table t = connection.getTable(tn); ResultScanner rs = t.getScanner(scan)) {
      for (Result r : rs) {
        if (limit > 0 && count >= limit) {
          break;
        }
        String key = Bytes.toStringBinary(r.getRow());
        for (org.apache.hadoop.hbase.Cell c : r.rawCells()) {
          String column = Bytes.toString(org.apache.hadoop.hbase.CellUtil.cloneFamily(c)) + ":"
              + Bytes.toStringBinary(org.apache.hadoop.hbase.CellUtil.cloneQualifier(c));
          String ts = epoch ? String.valueOf(c.getTimestamp())
              : java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(c.getTimestamp()),
                  java.time.ZoneId.systemDefault()).toString();
          String val;
          if (org.apache.hadoop.hbase.CellUtil.isDelete(c)) {
            val = "timestamp=" + ts + ", type="
                + org.apache.hadoop.hbase.KeyValue.Type.codeToType(c.getTypeByte());
          } else {
            val = "timestamp=" + ts + ", value="
                + Bytes.toStringBinary(org.apache.hadoop.hbase.CellUtil.cloneValue(c));
          }
          if (maxlength != -1 && val.length() > maxlength) {
            val = val.substring(0, maxlength);
          }
          out.println(" " + key + " column=" + column + ", " + val);
        }
        count++;
      }
    }
    out.println(count + " row(s)");
    return null;
  }

  @SuppressWarnings("unchecked")
  private Object create(List<Object> args) throws Exception {
    String table = str(args, 0);
    TableDescriptorBuilder tdb = TableDescriptorBuilder.newBuilder(TableName.valueOf(table));
    byte[][] splits = null;
    int families = 0;
    Integer numRegions = null;
    String splitAlgo = null;
    for (int i = 1; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof String s) {
        tdb.setColumnFamily(ColumnFamilyDescriptorBuilder.of(s));
        families++;
      } else if (a instanceof Map<?, ?> m0) {
        Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) m0);
        if (m.containsKey("NAME")) {
          tdb.setColumnFamily(family(m));
          families++;
          continue;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
          String k = e.getKey();
          Object v = e.getValue();
          switch (k) {
            case "SPLITS": {
              List<Object> l = (List<Object>) v;
              splits = new byte[l.size()][];
              for (int j = 0; j < l.size(); j++) {
                splits[j] = Bytes.toBytesBinary(String.valueOf(l.get(j)));
              }
              break;
            }
            case "SPLITS_FILE": {
              List<String> lines = Files.readAllLines(Path.of(String.valueOf(v)));
              splits = new byte[lines.size()][];
              for (int j = 0; j < lines.size(); j++) {
                splits[j] = Bytes.toBytesBinary(lines.get(j).trim());
              }
              break;
            }
            case "NUMREGIONS":
              numRegions = (int) toLong(v);
              break;
            case "SPLITALGO":
              splitAlgo = String.valueOf(v);
              break;
            case "METADATA":
            case "CONFIGURATION":
              for (Map.Entry<String, Object> kv : ((Map<String, Object>) v).entrySet()) {
                tdb.setValue(kv.getKey(), String.valueOf(kv.getValue()));
              }
              break;
            case "REGION_REPLICATION":
              tdb.setRegionReplication((int) toLong(v));
              break;
            case "MAX_FILESIZE":
            case "MEMSTORE_FLUSHSIZE":
              // describe prints '1073741824 B (1GB)'
              tdb.setValue(k, Long.toString(toLong(v)));
              break;
            default:
              if (TABLE_KEYS.contains(k)) {
                tdb.setValue(k, String.valueOf(v));
              } else {
                out.println("An argument ignored (unknown or overridden): " + k);
              }
          }
        }
      } else {
        throw new ShellError("ArgumentError", a + " is not a valid column family");
      }
    }
    if (families == 0) {
      throw new ShellError("ArgumentError", "Table must have at least one column family");
    }
    if (numRegions != null) {
      if (splitAlgo == null) {
        throw new ShellError("ArgumentError",
            "Number of regions specified without split algorithm");
      }
      if (numRegions < 2) {
        throw new ShellError("ArgumentError", "Number of regions must be greater than 1");
      }
      splits = RegionSplitter.newSplitAlgoInstance(conf, splitAlgo).split(numRegions);
    }
    if (splits != null) {
      admin().createTable(tdb.build(), splits);
    } else {
      admin().createTable(tdb.build());
    }
    out.println("Created table " + table);
    return new TableRef(table);
  }

  static final Set<String> TABLE_KEYS = Set.of("MAX_FILESIZE", "READONLY", "COMPACTION_ENABLED",
      "SPLIT_ENABLED", "MERGE_ENABLED", "MEMSTORE_FLUSHSIZE", "DURABILITY", "OWNER",
      "NORMALIZATION_ENABLED", "NORMALIZER_TARGET_REGION_COUNT",
      "NORMALIZER_TARGET_REGION_SIZE_MB", "PRIORITY", "FLUSH_POLICY", "SPLIT_POLICY",
      "REGION_MEMSTORE_REPLICATION", "IS_META");

  static final Set<String> BOOLEAN_FAMILY_KEYS = Set.of("IN_MEMORY", "BLOCKCACHE",
      "CACHE_DATA_ON_WRITE", "CACHE_INDEX_ON_WRITE", "CACHE_BLOOMS_ON_WRITE",
      "EVICT_BLOCKS_ON_CLOSE", "PREFETCH_BLOCKS_ON_OPEN", "COMPRESS_TAGS", "IS_MOB",
      "NEW_VERSION_BEHAVIOR", "CACHE_DATA_IN_L1");

  @SuppressWarnings("unchecked")
  private ColumnFamilyDescriptor family(Map<String, Object> m) throws Exception {
    String name = String.valueOf(m.remove("NAME"));
    ColumnFamilyDescriptorBuilder b = ColumnFamilyDescriptorBuilder.newBuilder(Bytes.toBytes(name));
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      String sv = String.valueOf(v);
      switch (k) {
        case "VERSIONS":
          b.setMaxVersions((int) toLong(v));
          break;
        case "MIN_VERSIONS":
          b.setMinVersions((int) toLong(v));
          break;
        case "TTL":
          b.setTimeToLive(sv);
          break;
        case "BLOCKSIZE":
          b.setBlocksize(sv);
          break;
        case "REPLICATION_SCOPE":
          b.setScope((int) toLong(v));
          break;
        case "DFS_REPLICATION":
          b.setDFSReplication((short) toLong(v));
          break;
        case "MOB_THRESHOLD":
          b.setMobThreshold(toLong(v));
          break;
        case "BLOOMFILTER":
          b.setBloomFilterType(enumValue(BloomType.class, sv, "BloomFilter type"));
          break;
        case "COMPRESSION":
          b.setCompressionType(enumValue(Compression.Algorithm.class, sv, "Compression"));
          break;
        case "COMPRESSION_COMPACT":
          b.setCompactionCompressionType(
              enumValue(Compression.Algorithm.class, sv, "Compression"));
          break;
        case "DATA_BLOCK_ENCODING":
          b.setDataBlockEncoding(DataBlockEncoding.valueOf(sv.toUpperCase(Locale.ROOT)));
          break;
        case "KEEP_DELETED_CELLS":
          b.setKeepDeletedCells(KeepDeletedCells.valueOf(sv.toUpperCase(Locale.ROOT)));
          break;
        case "IN_MEMORY_COMPACTION":
          b.setInMemoryCompaction(MemoryCompactionPolicy.valueOf(sv.toUpperCase(Locale.ROOT)));
          break;
        case "STORAGE_POLICY":
          b.setStoragePolicy(sv.toUpperCase(Locale.ROOT));
          break;
        case "INDEX_BLOCK_ENCODING":
          b.setValue(k, sv.toUpperCase(Locale.ROOT));
          break;
        case "METADATA":
          for (Map.Entry<String, Object> kv : ((Map<String, Object>) v).entrySet()) {
            b.setValue(kv.getKey(), String.valueOf(kv.getValue()));
          }
          break;
        case "CONFIGURATION":
          for (Map.Entry<String, Object> kv : ((Map<String, Object>) v).entrySet()) {
            b.setConfiguration(kv.getKey(), String.valueOf(kv.getValue()));
          }
          break;
        default:
          if (BOOLEAN_FAMILY_KEYS.contains(k)) {
            b.setValue(k, Boolean.toString(Boolean.parseBoolean(sv)));
          } else {
            out.println("Unknown argument ignored for column family " + name + ": " + k);
          }
      }
    }
    return b.build();
  }

  private static <E extends Enum<E>> E enumValue(Class<E> cls, String v, String what)
      throws ShellError {
    try {
      return Enum.valueOf(cls, v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder all = new StringBuilder();
      for (E c : cls.getEnumConstants()) {
        all.append(all.length() == 0 ? "" : " ").append(c.name());
      }
      throw new ShellError("ArgumentError",
          what + " " + v.toUpperCase(Locale.ROOT) + " is not supported. Use one of " + all);
    }
  }

  private static String str(List<Object> args, int i) throws ShellError {
    if (args.size() <= i) {
      throw new ShellError("ArgumentError", "wrong number of arguments (given " + args.size()
          + ", expected " + (i + 1) + ")");
    }
    Object o = args.get(i);
    if (o instanceof Map || o instanceof List) {
      throw new ShellError("TypeError", "no implicit conversion into String");
    }
    return String.valueOf(o);
  }

  private static long toLong(Object o) throws ShellError {
    if (o instanceof Long l) {
      return l;
    }
    String s = String.valueOf(o).trim();
    // values as `describe` prints them may carry a unit: '65536 B (64KB)'
    int end = 0;
    while (end < s.length() && (Character.isDigit(s.charAt(end)) || (end == 0 && s.charAt(0) == '-'))) {
      end++;
    }
    try {
      return Long.parseLong(s.substring(0, end));
    } catch (NumberFormatException e) {
      throw new ShellError("ArgumentError", "invalid value for Integer(): \"" + s + "\"");
    }
  }

  /** Exceptions as Shell::Commands::Command#translate_hbase_exceptions reports them. */
  static ShellError translate(Exception e, Object firstArg) {
    if (find(e, TableNotFoundException.class) != null) {
      return new ShellError("RuntimeError", "Unknown table " + firstArg + "!");
    }
    if (find(e, NamespaceNotFoundException.class) != null) {
      return new ShellError("RuntimeError",
          "Unknown namespace " + String.valueOf(firstArg).split(":")[0] + "!");
    }
    if (find(e, TableExistsException.class) != null) {
      return new ShellError("RuntimeError", "Table already exists: " + firstArg + "!");
    }
    if (e instanceof IllegalArgumentException) {
      return new ShellError("ArgumentError", String.valueOf(e.getMessage()));
    }
    Throwable t = e;
    if (t instanceof java.util.concurrent.ExecutionException && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = String.valueOf(t.getMessage()).split("\n")[0];
    String prefix = t.getClass().getName() + ": ";
    if (msg.startsWith(prefix)) {
      msg = msg.substring(prefix.length()); // RemoteException text repeats the class name
    }
    return new ShellError(jrubyName(t.getClass()), msg, true);
  }

  private static Throwable find(Throwable t, Class<? extends Throwable> cls) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (cls.isInstance(c)) {
        return c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /** org.apache.hadoop.hbase.TableNotEnabledException -> Java::OrgApacheHadoopHbase::... */
  static String jrubyName(Class<?> c) {
    StringBuilder b = new StringBuilder("Java::");
    for (String part : c.getPackageName().split("\\.")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.append("::").append(c.getSimpleName()).toString();
  }

  // ---------------------------------------------------------------------------------------
  // Parser for the Ruby-literal subset

  static final class Statement {
    final String command;
    final List<Object> args;
    final String source;
    final int line;

    Statement(String command, List<Object> args, String source, int line) {
      this.command = command;
      this.args = args;
      this.source = source;
      this.line = line;
    }
  }

  enum T { STR, NUM, IDENT, OP, NL, EOF }

  record Tok(T type, String text, int line, int start, int end) {}

  static final class Parser {
    private final String s;
    private int pos;
    private int line = 1;
    private Tok peeked;

    Parser(String s) {
      this.s = s;
    }

    int line() {
      return line;
    }

    /** Next statement, or null at end of input. */
    Statement next() throws ShellError {
      Tok t;
      do {
        t = take();
      } while (t.type == T.NL || (t.type == T.OP && t.text.equals(";")));
      if (t.type == T.EOF) {
        return null;
      }
      if (t.type != T.IDENT) {
        throw syntax(t);
      }
      int startLine = t.line;
      int start = t.start;
      List<Object> args = new ArrayList<>();
      Tok n = peek();
      boolean paren = n.type == T.OP && n.text.equals("(") && n.start == t.end;
      if (paren) {
        take();
        skipNl();
        if (!isOp(peek(), ")")) {
          arglist(args, true);
        }
        skipNl();
        expect(")");
      } else if (!(n.type == T.NL || n.type == T.EOF || isOp(n, ";"))) {
        arglist(args, false);
      }
      Tok end = peek();
      if (!(end.type == T.NL || end.type == T.EOF || isOp(end, ";"))) {
        throw syntax(end);
      }
      String src = s.substring(start, lastEnd).trim();
      return new Statement(t.text, args, src, startLine);
    }

    private int lastEnd;

    private void arglist(List<Object> args, boolean inParen) throws ShellError {
      Map<String, Object> bare = null;
      while (true) {
        Tok k = peek();
        Object v = value();
        if (isOp(peek(), "=>")) {
          take();
          skipNl();
          if (bare == null) {
            bare = new LinkedHashMap<>();
            args.add(bare);
          }
          bare.put(key(v, k), value());
        } else {
          if (bare != null) {
            throw syntax(k);
          }
          args.add(v);
        }
        if (isOp(peek(), ",")) {
          take();
          skipNl();
          continue;
        }
        if (inParen) {
          skipNl();
        }
        return;
      }
    }

    private String key(Object v, Tok at) throws ShellError {
      if (v instanceof String || v instanceof Long) {
        return String.valueOf(v);
      }
      throw syntax(at);
    }

    private Object value() throws ShellError {
      Tok t = take();
      switch (t.type) {
        case STR:
          return t.text;
        case NUM:
          return Long.parseLong(t.text.replace("_", ""));
        case IDENT:
          switch (t.text) {
            case "true":
              return Boolean.TRUE;
            case "false":
              return Boolean.FALSE;
            case "nil":
              return null;
            default:
              if (Character.isUpperCase(t.text.charAt(0))) {
                return t.text; // HBaseConstants: NAME => 'NAME', VERSIONS => 'VERSIONS', ...
              }
              throw new ShellError("NameError",
                  "undefined local variable or method `" + t.text + "' for main:Object");
          }
        case OP:
          if (t.text.equals("{")) {
            Map<String, Object> m = new LinkedHashMap<>();
            skipNl();
            while (!isOp(peek(), "}")) {
              Tok kt = peek();
              String k = key(value(), kt);
              skipNl();
              expect("=>");
              skipNl();
              m.put(k, value());
              skipNl();
              if (isOp(peek(), ",")) {
                take();
                skipNl();
              } else {
                break;
              }
            }
            skipNl();
            expect("}");
            return m;
          }
          if (t.text.equals("[")) {
            List<Object> l = new ArrayList<>();
            skipNl();
            while (!isOp(peek(), "]")) {
              l.add(value());
              skipNl();
              if (isOp(peek(), ",")) {
                take();
                skipNl();
              } else {
                break;
              }
            }
            skipNl();
            expect("]");
            return l;
          }
          throw syntax(t);
        default:
          throw syntax(t);
      }
    }

    private void expect(String op) throws ShellError {
      Tok t = take();
      if (!isOp(t, op)) {
        throw syntax(t);
      }
    }

    private void skipNl() throws ShellError {
      while (peek().type == T.NL) {
        take();
      }
    }

    private static boolean isOp(Tok t, String op) {
      return t.type == T.OP && t.text.equals(op);
    }

    private ShellError syntax(Tok t) {
      String what = t.type == T.EOF ? "end-of-input" : t.type == T.NL ? "end-of-line"
          : "'" + t.text + "'";
      return new ShellError("SyntaxError", "(hbase):" + t.line + ": syntax error, unexpected "
          + what);
    }

    private Tok peek() throws ShellError {
      if (peeked == null) {
        peeked = lex();
      }
      return peeked;
    }

    private Tok take() throws ShellError {
      Tok t = peek();
      peeked = null;
      if (t.type != T.NL && t.type != T.EOF) {
        lastEnd = t.end;
      }
      return t;
    }

    private Tok lex() throws ShellError {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\r') {
          pos++;
        } else if (c == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
          pos += 2;
          line++;
        } else if (c == '#') {
          while (pos < s.length() && s.charAt(pos) != '\n') {
            pos++;
          }
        } else {
          break;
        }
      }
      if (pos >= s.length()) {
        return new Tok(T.EOF, "", line, pos, pos);
      }
      int start = pos;
      char c = s.charAt(pos);
      if (c == '\n') {
        pos++;
        return new Tok(T.NL, "\n", line++, start, pos);
      }
      if (c == '\'' || c == '"') {
        StringBuilder b = new StringBuilder();
        int l0 = line;
        pos++;
        while (true) {
          if (pos >= s.length()) {
            throw new ShellError("SyntaxError",
                "(hbase):" + l0 + ": unterminated string meets end of file");
          }
          char d = s.charAt(pos++);
          if (d == c) {
            break;
          }
          if (d == '\n') {
            line++;
          }
          if (d == '\\' && pos < s.length()) {
            char e = s.charAt(pos++);
            if (c == '\'') {
              if (e != '\'' && e != '\\') {
                b.append('\\');
              }
              b.append(e);
            } else {
              switch (e) {
                case 'n':
                  b.append('\n');
                  break;
                case 't':
                  b.append('\t');
                  break;
                case 'x': {
                  int h = 0;
                  int n = 0;
                  while (n < 2 && pos < s.length()
                      && Character.digit(s.charAt(pos), 16) >= 0) {
                    h = h * 16 + Character.digit(s.charAt(pos++), 16);
                    n++;
                  }
                  b.append((char) h);
                  break;
                }
                default:
                  b.append(e);
              }
            }
          } else {
            b.append(d);
          }
        }
        return new Tok(T.STR, b.toString(), l0, start, pos);
      }
      if (Character.isDigit(c) || (c == '-' && pos + 1 < s.length()
          && Character.isDigit(s.charAt(pos + 1)))) {
        pos++;
        while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
          pos++;
        }
        return new Tok(T.NUM, s.substring(start, pos), line, start, pos);
      }
      if (Character.isLetter(c) || c == '_') {
        while (pos < s.length()
            && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
          pos++;
        }
        if (pos < s.length() && (s.charAt(pos) == '?' || s.charAt(pos) == '!')) {
          pos++;
        }
        return new Tok(T.IDENT, s.substring(start, pos), line, start, pos);
      }
      if (s.startsWith("=>", pos)) {
        pos += 2;
        return new Tok(T.OP, "=>", line, start, pos);
      }
      if ("{}[](),;".indexOf(c) >= 0) {
        pos++;
        return new Tok(T.OP, String.valueOf(c), line, start, pos);
      }
      pos++;
      return new Tok(T.OP, String.valueOf(c), line, start, pos);
    }
  }
}

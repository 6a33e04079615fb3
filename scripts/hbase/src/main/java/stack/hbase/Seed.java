package stack.hbase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.BufferedMutator;
import org.apache.hadoop.hbase.client.BufferedMutatorParams;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.io.compress.Compression;
import org.apache.hadoop.hbase.regionserver.BloomType;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Synthetic seed data for scale benchmarks on a stack without Apache Atlas (STACK_ATLAS=off;
 * with Atlas in the stack, Atlas owns these tables and the seed goes through its REST API):
 * the JanusGraph table (atlas_janus, families
 * e f g h i l m s t) and the Atlas audit table (ATLAS_ENTITY_AUDIT_EVENTS, family dt).
 *
 * <p>Usage: {@code hbase stack.hbase.Seed CELLS [MANIFEST_FILE]}. Tables are dropped and
 * recreated (same splits), filled through a BufferedMutator with fixed timestamps (see
 * GRAPH_TS_BASE for the graph table's unit), flushed, and
 * then digested by {@link Digest}; the same CELLS always gives the same digest. 90% of the cells
 * go to atlas_janus (10 per row), 10% to the audit table (4 per row).
 */
public final class Seed {
  /** 2023-11-14T22:13:20Z in milliseconds: every timestamp is derived from this. */
  static final long BASE_TS = 1_700_000_000_000L;

  /**
   * The graph table's first cell timestamp. Atlas's JanusGraph HBase store stamps the graph
   * table's cells in microseconds since the epoch (HBaseStoreManager.PREFERRED_TIMESTAMPS =
   * TimestampProviders.MICRO in Atlas's graphdb/janus-hbase2), its audit table in
   * milliseconds. Until the backup's Export window is in each table's own unit (issue 8), this
   * stays in milliseconds; then it becomes BASE_TS * 1000 (microseconds, as Atlas writes).
   */
  static final long GRAPH_TS_BASE = BASE_TS;

  static final String JANUS = "atlas_janus";
  static final String AUDIT = "ATLAS_ENTITY_AUDIT_EVENTS";
  static final String[] JANUS_FAMILIES = {"e", "f", "g", "h", "i", "l", "m", "s", "t"};
  static final int JANUS_CELLS_PER_ROW = 10;
  static final String[] AUDIT_QUALIFIERS = {"action", "detail", "entity", "user"};

  private Seed() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: Seed CELLS [MANIFEST_FILE]");
      System.exit(2);
    }
    long cells = Long.parseLong(args[0]);
    if (cells < 10) {
      System.err.println("Seed: CELLS must be >= 10");
      System.exit(2);
    }
    long janusCells = cells * 9 / 10;
    long auditCells = cells - janusCells;
    Configuration conf = HBaseConfiguration.create();
    long t0 = System.nanoTime();
    List<String> manifest = new ArrayList<>();
    try (Connection conn = ConnectionFactory.createConnection(conf);
        Admin admin = conn.getAdmin()) {
      recreate(admin, janusDescriptor(), new byte[][] {{0x40}, {(byte) 0x80}, {(byte) 0xC0}});
      recreate(admin, auditDescriptor(), new byte[][] {Bytes.toBytes("8")});
      loadJanus(conn, janusCells);
      loadAudit(conn, auditCells);
      admin.flush(TableName.valueOf(JANUS));
      admin.flush(TableName.valueOf(AUDIT));
      long loaded = System.nanoTime();
      System.err.printf("Seed: loaded %d cells in %.1fs%n", cells, (loaded - t0) / 1e9);
      for (String t : new String[] {JANUS, AUDIT}) {
        Digest.Result r = Digest.digest(conn, TableName.valueOf(t));
        String line = r.line(t);
        System.out.println(line);
        manifest.add(line);
      }
      System.err.printf("Seed: digested in %.1fs%n", (System.nanoTime() - loaded) / 1e9);
    }
    if (args.length > 1) {
      Files.write(Path.of(args[1]), manifest, StandardCharsets.UTF_8);
    }
  }

  static TableDescriptorBuilder janusDescriptor() {
    // JanusGraph (storage.hbase.compression-algorithm=GZ by default) creates its families with
    // GZ compression and one version.
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(TableName.valueOf(JANUS));
    for (String f : JANUS_FAMILIES) {
      b.setColumnFamily(ColumnFamilyDescriptorBuilder.newBuilder(Bytes.toBytes(f))
          .setCompressionType(Compression.Algorithm.GZ)
          .setMaxVersions(1)
          .build());
    }
    return b;
  }

  static TableDescriptorBuilder auditDescriptor() {
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(TableName.valueOf(AUDIT));
    b.setColumnFamily(ColumnFamilyDescriptorBuilder.newBuilder(Bytes.toBytes("dt"))
        .setBloomFilterType(BloomType.ROW)
        .build());
    return b;
  }

  static void recreate(Admin admin, TableDescriptorBuilder desc, byte[][] splits)
      throws IOException {
    TableName tn = desc.build().getTableName();
    if (admin.tableExists(tn)) {
      if (admin.isTableEnabled(tn)) {
        admin.disableTable(tn);
      }
      admin.deleteTable(tn);
    }
    admin.createTable(desc.build(), splits);
  }

  /** SplitMix64: a fixed, well-mixed function of its input. */
  static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static byte[] bytes(long seed, int len) {
    byte[] out = new byte[len];
    long s = seed;
    for (int i = 0; i < len; i += 8) {
      s = mix(s);
      for (int k = 0; k < 8 && i + k < len; k++) {
        out[i + k] = (byte) (s >>> (8 * k));
      }
    }
    return out;
  }

  static BufferedMutator mutator(Connection conn, String table) throws IOException {
    return conn.getBufferedMutator(
        new BufferedMutatorParams(TableName.valueOf(table)).writeBufferSize(8L << 20));
  }

  static void loadJanus(Connection conn, long cells) throws IOException {
    try (BufferedMutator m = mutator(conn, JANUS)) {
      long left = cells;
      for (long r = 0; left > 0; r++) {
        // 8-byte binary row key, spread over the key space like JanusGraph vertex ids
        byte[] row = Bytes.toBytes(mix(r));
        Put p = new Put(row);
        p.setDurability(Durability.SKIP_WAL); // flushed at the end of the seed
        int n = (int) Math.min(JANUS_CELLS_PER_ROW, left);
        for (int j = 0; j < n; j++) {
          long h = mix(r * 131 + j);
          byte[] fam = Bytes.toBytes(JANUS_FAMILIES[(int) ((r + j) % JANUS_FAMILIES.length)]);
          byte[] qual = new byte[8];
          qual[0] = (byte) j; // unique per (row, family)
          System.arraycopy(bytes(h, 7), 0, qual, 1, 7);
          int vlen = 8 + (int) Long.remainderUnsigned(h, 120);
          p.addColumn(fam, qual, GRAPH_TS_BASE + r * 10 + j, bytes(h ^ 0x5DEECE66DL, vlen));
        }
        m.mutate(p);
        left -= n;
      }
    }
  }

  static void loadAudit(Connection conn, long cells) throws IOException {
    byte[] fam = Bytes.toBytes("dt");
    try (BufferedMutator m = mutator(conn, AUDIT)) {
      long left = cells;
      for (long r = 0; left > 0; r++) {
        long h = mix(r ^ 0xA7A5L);
        String guid = String.format("%08x-%04x-%04x-%04x-%012x", h >>> 32, (h >>> 16) & 0xffff,
            h & 0xffff, mix(h) >>> 48, mix(h) & 0xffffffffffffL);
        long ts = BASE_TS + r * 1000;
        Put p = new Put(Bytes.toBytes(guid + ":" + ts));
        p.setDurability(Durability.SKIP_WAL);
        int n = (int) Math.min(AUDIT_QUALIFIERS.length, left);
        for (int j = 0; j < n; j++) {
          String v;
          switch (AUDIT_QUALIFIERS[j]) {
            case "action":
              v = new String[] {"ENTITY_CREATE", "ENTITY_UPDATE", "ENTITY_DELETE",
                  "CLASSIFICATION_ADD"}[(int) (r % 4)];
              break;
            case "detail":
              v = "{\"typeName\":\"hive_table\",\"guid\":\"" + guid + "\",\"attributes\":{"
                  + "\"qualifiedName\":\"db" + (r % 50) + ".table" + r + "@cl1\",\"owner\":\"user"
                  + (r % 7) + "\"}}";
              break;
            case "entity":
              v = guid;
              break;
            default:
              v = "user" + (r % 7);
          }
          p.addColumn(fam, Bytes.toBytes(AUDIT_QUALIFIERS[j]), ts, Bytes.toBytes(v));
        }
        m.mutate(p);
        left -= n;
      }
    }
  }
}

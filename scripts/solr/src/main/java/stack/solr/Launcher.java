package stack.solr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.cloud.ZkTestServer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;
import org.apache.zookeeper.CreateMode;

/**
 * Runs the local stack's SolrCloud: one embedded ZooKeeper and N Solr nodes (plain HTTP on
 * 127.0.0.1, fixed ports) in this JVM, uploads a configset, creates the collections, writes a
 * ready file, then stays in the foreground until SIGTERM.
 *
 * <p>Arguments (all required unless a default is shown):
 *
 * <pre>
 *   --base DIR            working folder; must not hold a previous cluster (the script wipes it)
 *   --zk-port PORT        ZooKeeper client port (127.0.0.1)
 *   --node-ports P1,P2    one Solr node per port (127.0.0.1, context /solr)
 *   --configset DIR       configset folder, uploaded as --config-name
 *   --config-name NAME    default "atlas"
 *   --collections a,b,c   collections to create when missing ("" = none: Apache Atlas creates
 *                         its own on the configset)
 *   --shards N            default 2
 *   --replicas N          replicas per shard, default 2
 *   --reuse true|false    default false. true: DIR holds the cluster this launcher ran before
 *                         with the same ports; ZooKeeper's data and the nodes' cores are kept
 *                         (collections, documents and configsets survive a restart), the
 *                         configset is uploaded only when ZooKeeper lacks it
 *   --legacy-clusterstate true|false  default false. true: once the nodes are up, create an
 *                         empty /clusterstate.json under the chroot (SolrJ 7 clients, such as
 *                         the one in Atlas 2.1, refuse a cluster without it; Solr 9 deletes an
 *                         empty one when a node starts, hence after the nodes)
 *   --ready FILE          written (atomically) when everything is up
 * </pre>
 *
 * Backup locations are allowed through the system property solr.allowPaths (set by the caller).
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) {
    try {
      run(parse(args));
    } catch (Throwable t) {
      System.err.println("STACK-SOLR-FAILED " + t);
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    m.put("config-name", "atlas");
    m.put("shards", "2");
    m.put("replicas", "2");
    m.put("reuse", "false");
    m.put("legacy-clusterstate", "false");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length || args[i + 1].startsWith("--")) {
        throw new IllegalArgumentException("bad argument: " + a);
      }
      m.put(a.substring(2), args[++i]);
    }
    for (String k : new String[] {"base", "zk-port", "node-ports", "configset", "collections", "ready"}) {
      if (!m.containsKey(k)) throw new IllegalArgumentException("missing --" + k);
    }
    return m;
  }

  private static void run(Map<String, String> o) throws Exception {
    long t0 = System.nanoTime();
    Path base = Paths.get(o.get("base")).toAbsolutePath();
    Path ready = Paths.get(o.get("ready")).toAbsolutePath();
    Files.deleteIfExists(ready);
    Files.createDirectories(base);

    boolean reuse = Boolean.parseBoolean(o.get("reuse"));
    ZkTestServer zk = new ZkTestServer(base.resolve("zookeeper/data"), Integer.parseInt(o.get("zk-port")));
    zk.run(!reuse);

    MiniSolrCloudCluster cluster =
        new MiniSolrCloudCluster(
            0, base, MiniSolrCloudCluster.DEFAULT_CLOUD_SOLR_XML, JettyConfig.builder().build(), zk, !reuse);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("STACK-SOLR-STOPPING");
                  try {
                    Files.deleteIfExists(ready);
                  } catch (IOException ignored) {
                    // best effort
                  }
                  try {
                    cluster.shutdown();
                  } catch (Throwable t) {
                    t.printStackTrace();
                  }
                  try {
                    zk.shutdown();
                  } catch (Throwable t) {
                    t.printStackTrace();
                  }
                  stopped.countDown();
                  System.out.println("STACK-SOLR-STOPPED");
                },
                "stack-solr-shutdown"));

    List<String> urls = new ArrayList<>();
    int n = 0;
    for (String p : o.get("node-ports").split(",")) {
      n++;
      JettyConfig cfg = JettyConfig.builder().setPort(Integer.parseInt(p.trim())).setContext("/solr").build();
      Path home = base.resolve("node" + n);
      JettySolrRunner jetty;
      if (reuse && Files.isDirectory(home)) {
        // MiniSolrCloudCluster.startJettySolrRunner(name, ...) insists on a new folder; a
        // restart runs the node on its old home, where its cores are discovered again.
        Properties props = new Properties();
        props.setProperty("zkHost", zk.getZkAddress());
        jetty = cluster.startJettySolrRunner(new JettySolrRunner(home.toString(), props, cfg), false);
      } else {
        jetty = cluster.startJettySolrRunner("node" + n, "/solr", cfg);
      }
      urls.add(jetty.getBaseUrl().toString());
    }
    cluster.waitForAllNodes(120);

    String configName = o.get("config-name");
    if (!reuse || !cluster.getZkClient().exists("/configs/" + configName, true)) {
      cluster.uploadConfigSet(Paths.get(o.get("configset")).toAbsolutePath(), configName);
    }
    if (Boolean.parseBoolean(o.get("legacy-clusterstate"))
        && !cluster.getZkClient().exists("/clusterstate.json", true)) {
      cluster.getZkClient().create("/clusterstate.json", "{}".getBytes(StandardCharsets.UTF_8), CreateMode.PERSISTENT, true);
    }

    int shards = Integer.parseInt(o.get("shards"));
    int replicas = Integer.parseInt(o.get("replicas"));
    Set<String> existing = new TreeSet<>(cluster.getSolrClient().getClusterState().getCollectionNames());
    List<String> collections = new ArrayList<>();
    for (String c : o.get("collections").split(",")) {
      c = c.trim();
      if (c.isEmpty() || existing.contains(c)) continue;
      collections.add(c);
      CollectionAdminRequest.createCollection(c, configName, shards, replicas)
          .process(cluster.getSolrClient());
    }
    for (String c : collections) {
      cluster.waitForActiveCollection(c, 120, TimeUnit.SECONDS);
    }
    // a kept collection gets its replicas active before the cluster is "ready"; one that does
    // not (say a test's leftover) is reported, and does not hold the cluster back
    for (String c : existing) {
      try {
        cluster.waitForActiveCollection(c, 120, TimeUnit.SECONDS);
      } catch (RuntimeException e) {
        System.out.println("STACK-SOLR-WARNING collection " + c + " is not active: " + e.getMessage().split("\n")[0]);
      }
    }
    existing.addAll(collections);

    StringBuilder sb = new StringBuilder();
    sb.append("zk=").append(zk.getZkHost()).append('\n');
    sb.append("zk_chroot=/solr\n");
    sb.append("nodes=").append(String.join(",", urls)).append('\n');
    sb.append("collections=").append(String.join(",", existing)).append('\n');
    sb.append("reused=").append(reuse).append('\n');
    sb.append("startup_ms=").append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).append('\n');
    Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
    Files.write(tmp, sb.toString().getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("STACK-SOLR-READY " + sb.toString().replace('\n', ' '));
    System.out.flush();

    stopped.await();
  }
}

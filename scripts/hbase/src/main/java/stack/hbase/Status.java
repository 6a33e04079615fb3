package stack.hbase;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;

/**
 * Health probe for scripts/stack.d/hbase: connects with short timeouts, asks the master for its
 * table list and prints {@code ok master=HOST,PORT,START tables=a,b}. Exit 0 when the master
 * answers, 1 otherwise.
 */
public final class Status {
  private Status() {}

  public static void main(String[] args) {
    Configuration conf = HBaseConfiguration.create();
    conf.setInt("hbase.client.retries.number", 2);
    conf.setInt("hbase.client.pause", 200);
    conf.setInt("hbase.rpc.timeout", 5000);
    conf.setInt("hbase.client.operation.timeout", 8000);
    conf.setInt("zookeeper.recovery.retry", 1);
    conf.setInt("zookeeper.session.timeout", 8000);
    try (Connection conn = ConnectionFactory.createConnection(conf);
        Admin admin = conn.getAdmin()) {
      StringBuilder tables = new StringBuilder();
      for (TableName tn : admin.listTableNames()) {
        if (tables.length() > 0) {
          tables.append(',');
        }
        tables.append(tn.getNameAsString());
      }
      System.out.println("ok master=" + admin.getMaster() + " tables=" + tables);
      System.exit(0);
    } catch (Throwable t) {
      System.out.println("down " + t.getClass().getSimpleName() + ": "
          + String.valueOf(t.getMessage()).split("\n")[0]);
      System.exit(1);
    }
  }
}

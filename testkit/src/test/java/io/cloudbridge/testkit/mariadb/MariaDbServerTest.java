package io.cloudbridge.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MariaDbServerTest {

  @Test
  void runsWithARowBinlogThatRecordsChangesForDebezium(@TempDir Path dir) {
    try (MariaDbServer db = MariaDbServer.start(dir)) {
      assertThat(db.execute("SELECT @@binlog_format, @@binlog_row_image, @@log_bin"))
          .containsExactly("ROW\tFULL\t1");
      db.execute("CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(10,2));"
          + " INSERT INTO shop.orders VALUES (1, 9.99), (2, 20.00); UPDATE shop.orders SET total = 10.50 WHERE id = 1;");

      assertThat(db.execute("SELECT id, total FROM shop.orders ORDER BY id")).containsExactly("1\t10.50", "2\t20.00");
      assertThat(db.execute("SHOW BINARY LOGS")).isNotEmpty();
      assertThat(db.execute("SHOW GRANTS")).anyMatch(g -> g.contains("REPLICATION SLAVE"));
    }
  }
}

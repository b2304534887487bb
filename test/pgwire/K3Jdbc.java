// pgjdbc client for test/pgwire/pgjdbc.test.ts: compiled by javac at test time and run with the Debian
// driver (/usr/share/java/postgresql.jar). Prints one line per check: "name<TAB>value".
import java.sql.*;
import java.util.*;

public class K3Jdbc {
  static void out(String name, Object value) {
    System.out.println(name + "\t" + value);
  }

  static String rows(ResultSet rs, String... cols) throws SQLException {
    List<String> out = new ArrayList<>();
    while (rs.next()) {
      List<String> vals = new ArrayList<>();
      for (String c : cols) vals.add(String.valueOf(rs.getObject(c)));
      out.add(String.join("|", vals));
    }
    rs.close();
    return String.join(";", out);
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("options", "-c k3.freshness=strong");
    try (Connection conn = DriverManager.getConnection(args[0], props)) {
      DatabaseMetaData md = conn.getMetaData();
      out("product", md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
      out("catalogs", rows(md.getCatalogs(), "TABLE_CAT"));
      out("schemas", rows(md.getSchemas(), "TABLE_SCHEM"));
      out("tables", rows(md.getTables(null, null, "%", new String[] {"TABLE"}), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS"));
      out("columns", rows(md.getColumns(null, "main", "jt", "%"), "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "NULLABLE", "ORDINAL_POSITION"));
      out("pks", rows(md.getPrimaryKeys(null, "main", "jt"), "COLUMN_NAME", "KEY_SEQ", "PK_NAME"));

      try (PreparedStatement ins = conn.prepareStatement("INSERT INTO jt (id, s, i, l, sh, f, d, b, dt, ts, bin, j) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ins.setLong(1, 1L);
        ins.setString(2, "jdbc ✓");
        ins.setInt(3, Integer.MIN_VALUE);
        ins.setLong(4, Long.MAX_VALUE);
        ins.setShort(5, (short) -12);
        ins.setFloat(6, 1.25f);
        ins.setDouble(7, -0.1);
        ins.setBoolean(8, true);
        ins.setDate(9, java.sql.Date.valueOf("2026-05-27"));
        ins.setTimestamp(10, java.sql.Timestamp.valueOf("2026-05-27 10:11:12.123456"));
        ins.setBytes(11, new byte[] {0, 1, (byte) 0xfe, (byte) 0xff});
        ins.setString(12, "{\"a\":1}");
        out("inserted", ins.executeUpdate());
      }
      // Run the same prepared SELECT past pgjdbc's prepareThreshold (5): later runs use a named
      // server statement and binary transfer for the types pgjdbc reads in binary.
      try (PreparedStatement sel = conn.prepareStatement("SELECT id, s, i, l, sh, f, d, b, dt, ts, bin, j FROM jt WHERE id = ? AND s = ?")) {
        for (int run = 1; run <= 7; run++) {
          sel.setLong(1, 1L);
          sel.setString(2, "jdbc ✓");
          try (ResultSet rs = sel.executeQuery()) {
            ResultSetMetaData rmd = rs.getMetaData();
            List<String> types = new ArrayList<>();
            for (int c = 1; c <= rmd.getColumnCount(); c++) types.add(rmd.getColumnTypeName(c));
            rs.next();
            String values = rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|" + rs.getLong(4) + "|" + rs.getShort(5) + "|"
                + rs.getFloat(6) + "|" + rs.getDouble(7) + "|" + rs.getBoolean(8) + "|" + rs.getDate(9) + "|" + rs.getTimestamp(10) + "|"
                + HexFormat.of().formatHex(rs.getBytes(11)) + "|" + rs.getString(12);
            if (run == 1 || run == 7) out("select" + run, values);
            if (run == 1) out("types", String.join(",", types));
          }
        }
      }
      try (Statement st = conn.createStatement()) {
        conn.setAutoCommit(false);
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM jt")) {
          rs.next();
          out("in-transaction-count", rs.getLong(1));
        }
        try {
          st.executeUpdate("DELETE FROM jt");
          out("write-in-transaction", "accepted");
        } catch (SQLException e) {
          out("write-in-transaction", e.getSQLState());
        }
        conn.rollback();
        conn.setAutoCommit(true);
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM jt")) {
          rs.next();
          out("after-rollback-count", rs.getLong(1));
        }
      }
    }
  }
}

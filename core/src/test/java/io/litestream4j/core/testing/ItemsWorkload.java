package io.litestream4j.core.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;

import io.litestream4j.core.DB;

/** The {@code items} table the replication tests write to, and the workloads they run on it. */
public final class ItemsWorkload {

	private final Connection app;

	public ItemsWorkload(Connection app) throws SQLException {
		this.app = app;
		exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, value BLOB)");
	}

	public void exec(String sql) throws SQLException {
		try (Statement statement = app.createStatement()) {
			statement.execute(sql);
		}
	}

	/** Inserts rows {@code from .. from+count-1}, each with {@code valueSize} random bytes, one commit each. */
	public void insert(int from, int count, int valueSize) throws SQLException {
		Random random = new Random(from);
		try (PreparedStatement insert = app.prepareStatement("INSERT INTO items (id, name, value) VALUES (?, ?, ?)")) {
			for (int i = from; i < from + count; i++) {
				byte[] value = new byte[valueSize];
				random.nextBytes(value);
				insert.setInt(1, i);
				insert.setString(2, "item-" + i);
				insert.setBytes(3, value);
				insert.executeUpdate();
			}
		}
	}

	/**
	 * Random inserts, updates and deletes; then one transaction of {@code largeRows} 4000-byte rows (larger
	 * than SQLite's auto-checkpoint size), a VACUUM and a few more inserts.
	 */
	public void randomMix(long seed, int rounds, int largeRows) throws SQLException {
		Random random = new Random(seed);
		int nextId = 0;
		for (int round = 0; round < rounds; round++) {
			int op = random.nextInt(10);
			if (op < 6 || nextId == 0) {
				insert(nextId, 1 + random.nextInt(5), 100 + random.nextInt(3000));
				nextId += 6;
			}
			else if (op < 8) {
				exec("UPDATE items SET name = 'updated-" + round + "' WHERE id % 7 = " + random.nextInt(7));
			}
			else {
				exec("DELETE FROM items WHERE id % 11 = " + random.nextInt(11));
			}
		}
		app.setAutoCommit(false);
		insert(1_000_000, largeRows, 4000);
		app.commit();
		app.setAutoCommit(true);
		exec("DELETE FROM items WHERE id >= 1000000 AND id % 2 = 0");
		exec("VACUUM");
		insert(2_000_000, 50, 300);
	}

	/** Syncs everything; the WAL restarts with the first write after a checkpoint, so write until it has. */
	public void syncUntilWalRestarted(DB db, Duration timeout) throws SQLException {
		db.syncAndWait(timeout);
		for (int i = 0; db.pos().index() == 0 && i < 50; i++) {
			insert(3_000_000 + i, 1, 100);
			db.syncAndWait(timeout);
		}
	}

}

package io.litestream4j.sample.task;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/**
 * Tasks in the SQLite table {@code task}, with plain JDBC.
 */
@Repository
public class TaskRepository {

	private static final String COLUMNS = "id, title, urgent, important, done, created_at";

	private final JdbcClient jdbc;

	public TaskRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public List<Task> findAll() {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM task ORDER BY id").query(TaskRepository::map).list();
	}

	public List<Task> findByQuadrant(Quadrant quadrant) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM task WHERE urgent = ? AND important = ? ORDER BY id")
			.params(quadrant.isUrgent(), quadrant.isImportant())
			.query(TaskRepository::map)
			.list();
	}

	public Optional<Task> findById(long id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM task WHERE id = ?")
			.param(id)
			.query(TaskRepository::map)
			.optional();
	}

	public Task insert(TaskRequest.ValidTask task, Instant createdAt) {
		KeyHolder keys = new GeneratedKeyHolder();
		this.jdbc.sql("INSERT INTO task (title, urgent, important, done, created_at) VALUES (?, ?, ?, 0, ?)")
			.params(task.title(), task.urgent(), task.important(), createdAt.toString())
			.update(keys);
		long id = keys.getKey().longValue();
		return new Task(id, task.title(), task.urgent(), task.important(),
				Quadrant.of(task.urgent(), task.important()), false, createdAt);
	}

	public boolean update(long id, TaskRequest.ValidTask task) {
		return this.jdbc.sql("UPDATE task SET title = ?, urgent = ?, important = ? WHERE id = ?")
			.params(task.title(), task.urgent(), task.important(), id)
			.update() == 1;
	}

	public boolean markDone(long id) {
		return this.jdbc.sql("UPDATE task SET done = 1 WHERE id = ?").param(id).update() == 1;
	}

	public boolean delete(long id) {
		return this.jdbc.sql("DELETE FROM task WHERE id = ?").param(id).update() == 1;
	}

	private static Task map(ResultSet rs, int rowNum) throws SQLException {
		boolean urgent = rs.getBoolean("urgent");
		boolean important = rs.getBoolean("important");
		return new Task(rs.getLong("id"), rs.getString("title"), urgent, important, Quadrant.of(urgent, important),
				rs.getBoolean("done"), Instant.parse(rs.getString("created_at")));
	}

}

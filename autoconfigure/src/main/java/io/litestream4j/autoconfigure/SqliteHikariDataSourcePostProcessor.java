package io.litestream4j.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.Properties;

import com.zaxxer.hikari.HikariDataSource;
import io.litestream4j.autoconfigure.LitestreamReplicator.ReplicatedDb;
import io.litestream4j.core.CheckpointRouting;
import io.litestream4j.core.DB;
import org.aopalliance.intercept.MethodInterceptor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.NameMatchMethodPointcutAdvisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Prepares the application's SQLite pool for running beside the replicator, before the pool starts: WAL mode
 * (Litestream needs it), a busy timeout so our checkpoints never surface as {@code database is locked} in the
 * application, and pool suspension, which a live restore uses to quiesce the pool. Settings the application gave
 * itself are kept. The pool's connections route the application's own {@code PRAGMA wal_checkpoint} to the
 * replicator ({@link CheckpointRouting}); the pool stays a {@link HikariDataSource} for everyone injecting it.
 */
class SqliteHikariDataSourcePostProcessor implements BeanPostProcessor {

	static final String DEFAULT_BUSY_TIMEOUT_MILLIS = "5000";

	private static final Log logger = LogFactory.getLog(SqliteHikariDataSourcePostProcessor.class);

	private final ObjectProvider<LitestreamReplicator> replicator;

	SqliteHikariDataSourcePostProcessor(ObjectProvider<LitestreamReplicator> replicator) {
		this.replicator = replicator;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof HikariDataSource dataSource) || !isSqlite(dataSource)) {
			return bean;
		}
		configure(dataSource, beanName);
		Path path = ReplicationSettingsResolver.sqlitePath(dataSource.getJdbcUrl());
		return (path != null) ? routingCheckpoints(dataSource, path) : bean;
	}

	private void configure(HikariDataSource dataSource, String beanName) {
		if (!dataSource.isRunning()) {
			try {
				Properties driverProperties = dataSource.getDataSourceProperties();
				// Keys of sqlite-jdbc's SQLiteConfig, applied by the driver to every new connection.
				if (!driverProperties.containsKey("journal_mode")) {
					dataSource.addDataSourceProperty("journal_mode", "WAL");
				}
				if (!driverProperties.containsKey("busy_timeout")) {
					dataSource.addDataSourceProperty("busy_timeout", DEFAULT_BUSY_TIMEOUT_MILLIS);
				}
				dataSource.setAllowPoolSuspension(true);
			}
			catch (IllegalStateException ex) {
				// The pool was started by its factory; it can no longer be configured.
				logger.warn("SQLite DataSource '" + beanName + "' was started before litestream4j could set WAL mode "
						+ "and busy_timeout on its connections; set them in spring.datasource.hikari.data-source-properties");
			}
		}
	}

	private Object routingCheckpoints(HikariDataSource dataSource, Path path) {
		MethodInterceptor wrapConnections = (invocation) -> {
			Object result = invocation.proceed();
			return (result instanceof Connection connection) ? CheckpointRouting.wrap(connection, () -> replicatedDb(path))
					: result;
		};
		NameMatchMethodPointcutAdvisor advisor = new NameMatchMethodPointcutAdvisor(wrapConnections);
		advisor.setMappedName("getConnection");
		ProxyFactory factory = new ProxyFactory(dataSource);
		factory.setProxyTargetClass(true);
		factory.addAdvisor(advisor);
		return factory.getProxy(dataSource.getClass().getClassLoader());
	}

	private @Nullable DB replicatedDb(Path path) {
		LitestreamReplicator replicator = this.replicator.getIfAvailable();
		ReplicatedDb replicated = (replicator != null) ? replicator.find(path.toString()) : null;
		return (replicated != null) ? replicated.db() : null;
	}

	private static boolean isSqlite(HikariDataSource dataSource) {
		String url = dataSource.getJdbcUrl();
		return url != null && url.startsWith("jdbc:sqlite:");
	}

}

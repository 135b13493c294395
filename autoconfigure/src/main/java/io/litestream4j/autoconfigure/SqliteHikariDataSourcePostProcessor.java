package io.litestream4j.autoconfigure;

import java.util.Properties;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Prepares the application's SQLite pool for running beside the replicator, before the pool starts: WAL mode
 * (Litestream needs it), a busy timeout so our checkpoints never surface as {@code database is locked} in the
 * application, and pool suspension, which a live restore uses to quiesce the pool. Settings the application gave
 * itself are kept.
 */
class SqliteHikariDataSourcePostProcessor implements BeanPostProcessor {

	static final String DEFAULT_BUSY_TIMEOUT_MILLIS = "5000";

	private static final Log logger = LogFactory.getLog(SqliteHikariDataSourcePostProcessor.class);

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource dataSource && isSqlite(dataSource) && !dataSource.isRunning()) {
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
		return bean;
	}

	private static boolean isSqlite(HikariDataSource dataSource) {
		String url = dataSource.getJdbcUrl();
		return url != null && url.startsWith("jdbc:sqlite:");
	}

}

package io.litestream4j.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a bad replication setting into Boot's short startup report, naming the property to fix instead of a
 * stack of bean creation exceptions.
 */
class InvalidLitestreamConfigFailureAnalyzer extends AbstractFailureAnalyzer<InvalidLitestreamConfigException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidLitestreamConfigException cause) {
		return new FailureAnalysis("Invalid Litestream replication setting: " + cause.getMessage(),
				"Fix " + cause.getProperty() + " (see the litestream.* properties, or the file of litestream.config).",
				cause);
	}

}

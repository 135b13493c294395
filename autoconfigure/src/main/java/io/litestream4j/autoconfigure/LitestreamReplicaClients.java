package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

import io.litestream4j.core.ReplicaClient;

import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * The storage client of every configured replica, built once and shared by the startup restore, the replicator
 * and the endpoint, and closed when the context closes (after the replicator's final sync).
 */
public final class LitestreamReplicaClients implements DisposableBean {

	private static final Log logger = LogFactory.getLog(LitestreamReplicaClients.class);

	private final ReplicaClientFactory factory;

	private final Map<String, ReplicaClient> clients = new LinkedHashMap<>();

	public LitestreamReplicaClients(ReplicationSettings settings, ReplicaClientFactory factory) {
		this.factory = factory;
		for (DbSettings db : settings.dbs()) {
			for (ReplicaSettings replica : db.replicas()) {
				try {
					this.clients.put(replica.key(), factory.create(replica));
				}
				catch (InvalidLitestreamConfigException ex) {
					throw ex;
				}
				catch (RuntimeException ex) {
					throw new InvalidLitestreamConfigException(replica.key(),
							"cannot create the client of replica '" + replica.name() + "': " + ex.getMessage(), ex);
				}
			}
		}
	}

	/** The client of a configured replica. */
	public ReplicaClient get(ReplicaSettings replica) {
		ReplicaClient client = this.clients.get(replica.key());
		if (client == null) {
			throw new IllegalArgumentException("no client for replica " + replica.key());
		}
		return client;
	}

	public ReplicaClientFactory factory() {
		return this.factory;
	}

	/** The line logged at start: the configured settings plus the region the client resolved. */
	String describe(ReplicaSettings replica) {
		ReplicaClient client = get(replica);
		return replica.describe(this.factory.effectiveRegion(client), this.factory.effectiveEndpoint(client));
	}

	@Override
	public void destroy() {
		for (Map.Entry<String, ReplicaClient> entry : this.clients.entrySet()) {
			try {
				entry.getValue().close();
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Closing the client of " + entry.getKey() + " failed: " + ex);
			}
		}
	}

}

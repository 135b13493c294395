package io.litestream4j.core;

/** The kinds of request a replica makes to its store; what an object store bills for. */
public enum ReplicaOperation {

	PUT, GET, LIST, DELETE

}

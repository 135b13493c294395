package io.litestream4j.core;

/**
 * Told when a database's generation changes, or first becomes known. Called on the engine's thread
 * while it syncs, so it must be quick and must not call back into the engine.
 */
@FunctionalInterface
public interface GenerationListener {

	/**
	 * @param previous the generation before, or null
	 * @param current the generation now
	 * @param reason why a new generation began, or null when an existing one is continued (at start)
	 */
	void generationChanged(String previous, String current, String reason);

}

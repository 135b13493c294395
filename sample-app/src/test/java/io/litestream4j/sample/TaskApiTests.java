package io.litestream4j.sample;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The whole {@code /api/tasks} API, as pinned in the contract, against a real SQLite database in a temporary
 * directory, with the embedded default's file replica beside it; {@link QuadTaskReplicationTests} covers what
 * the replication does.
 */
@SpringBootTest
@AutoConfigureMockMvc
@DirtiesContext // closes the app (and its replication) before the temporary directory is deleted
class TaskApiTests {

	@TempDir
	static Path dataDir;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		registry.add("quadtask.data-dir", dataDir::toString);
	}

	@Autowired
	private MockMvc mvc;

	@Autowired
	private JdbcClient jdbc;

	@BeforeEach
	void emptyTable() {
		this.jdbc.sql("DELETE FROM task").update();
	}

	@Test
	void createReturns201WithTheTask() throws Exception {
		create("{\"title\": \"File taxes\", \"urgent\": true, \"important\": true}").andExpect(status().isCreated())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
			.andExpect(jsonPath("$.id").isNumber())
			.andExpect(jsonPath("$.title").value("File taxes"))
			.andExpect(jsonPath("$.urgent").value(true))
			.andExpect(jsonPath("$.important").value(true))
			.andExpect(jsonPath("$.quadrant").value("DO"))
			.andExpect(jsonPath("$.done").value(false))
			.andExpect(jsonPath("$.createdAt").value(matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z")));
	}

	@Test
	void flagsDefaultToFalseAndTheTitleIsStripped() throws Exception {
		create("{\"title\": \"  Read mail  \"}").andExpect(status().isCreated())
			.andExpect(jsonPath("$.title").value("Read mail"))
			.andExpect(jsonPath("$.urgent").value(false))
			.andExpect(jsonPath("$.important").value(false))
			.andExpect(jsonPath("$.quadrant").value("ELIMINATE"));
	}

	@Test
	void eachCombinationOfFlagsHasItsQuadrant() throws Exception {
		create("{\"title\": \"a\", \"urgent\": true, \"important\": true}")
			.andExpect(jsonPath("$.quadrant").value("DO"));
		create("{\"title\": \"b\", \"urgent\": false, \"important\": true}")
			.andExpect(jsonPath("$.quadrant").value("SCHEDULE"));
		create("{\"title\": \"c\", \"urgent\": true, \"important\": false}")
			.andExpect(jsonPath("$.quadrant").value("DELEGATE"));
		create("{\"title\": \"d\", \"urgent\": false, \"important\": false}")
			.andExpect(jsonPath("$.quadrant").value("ELIMINATE"));
	}

	@Test
	void quadrantMayBeGivenInsteadOfTheFlags() throws Exception {
		create("{\"title\": \"Plan the year\", \"quadrant\": \"schedule\"}").andExpect(status().isCreated())
			.andExpect(jsonPath("$.urgent").value(false))
			.andExpect(jsonPath("$.important").value(true))
			.andExpect(jsonPath("$.quadrant").value("SCHEDULE"));
	}

	@Test
	void quadrantContradictingTheFlagsIs400() throws Exception {
		create("{\"title\": \"x\", \"urgent\": false, \"quadrant\": \"DO\"}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("quadrant"))
			.andExpect(jsonPath("$.error").value(containsString("contradicts")));
	}

	@Test
	void unknownQuadrantInTheBodyIs400() throws Exception {
		create("{\"title\": \"x\", \"quadrant\": \"LATER\"}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("quadrant"))
			.andExpect(jsonPath("$.error").value(containsString("unknown quadrant 'LATER'")));
	}

	@Test
	void listReturnsAllTasksInCreationOrder() throws Exception {
		this.mvc.perform(get("/api/tasks")).andExpect(status().isOk()).andExpect(jsonPath("$", empty()));
		create("{\"title\": \"first\", \"urgent\": true}");
		create("{\"title\": \"second\", \"important\": true}");
		this.mvc.perform(get("/api/tasks"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$", hasSize(2)))
			.andExpect(jsonPath("$[*].title", contains("first", "second")))
			.andExpect(jsonPath("$[*].quadrant", contains("DELEGATE", "SCHEDULE")));
	}

	@Test
	void listFiltersByQuadrant() throws Exception {
		create("{\"title\": \"now\", \"urgent\": true, \"important\": true}");
		create("{\"title\": \"later\", \"important\": true}");
		create("{\"title\": \"also now\", \"urgent\": true, \"important\": true}");
		this.mvc.perform(get("/api/tasks").param("quadrant", "DO"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$[*].title", contains("now", "also now")));
		this.mvc.perform(get("/api/tasks").param("quadrant", "SCHEDULE"))
			.andExpect(jsonPath("$[*].title", contains("later")));
		this.mvc.perform(get("/api/tasks").param("quadrant", "ELIMINATE")).andExpect(jsonPath("$", empty()));
	}

	@Test
	void unknownQuadrantFilterIs400() throws Exception {
		this.mvc.perform(get("/api/tasks").param("quadrant", "SOMEDAY"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("quadrant"))
			.andExpect(jsonPath("$.error").value(containsString("DO, SCHEDULE, DELEGATE, ELIMINATE")));
	}

	@Test
	void getReturnsOneTask() throws Exception {
		long id = idOf(create("{\"title\": \"Call Bob\", \"urgent\": true}"));
		this.mvc.perform(get("/api/tasks/{id}", id))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.id").value(id))
			.andExpect(jsonPath("$.title").value("Call Bob"))
			.andExpect(jsonPath("$.quadrant").value("DELEGATE"));
	}

	@Test
	void getUnknownIdIs404WithError() throws Exception {
		this.mvc.perform(get("/api/tasks/{id}", 4242))
			.andExpect(status().isNotFound())
			.andExpect(jsonPath("$.error").value("task 4242 not found"))
			.andExpect(jsonPath("$.field").value("id"));
	}

	@Test
	void nonNumericIdIs400() throws Exception {
		this.mvc.perform(get("/api/tasks/abc"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("id"))
			.andExpect(jsonPath("$.error").value(containsString("must be a number")));
	}

	@Test
	void putReplacesTitleAndFlags() throws Exception {
		long id = idOf(create("{\"title\": \"Draft\", \"urgent\": true, \"important\": true}"));
		this.mvc.perform(put("/api/tasks/{id}", id).contentType(MediaType.APPLICATION_JSON)
			.content("{\"title\": \"Final\", \"important\": true}"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.id").value(id))
			.andExpect(jsonPath("$.title").value("Final"))
			.andExpect(jsonPath("$.urgent").value(false))
			.andExpect(jsonPath("$.quadrant").value("SCHEDULE"));
		this.mvc.perform(get("/api/tasks/{id}", id)).andExpect(jsonPath("$.title").value("Final"));
	}

	@Test
	void putAcceptsATaskAsReturnedByGet() throws Exception {
		String created = create("{\"title\": \"Round trip\", \"urgent\": true}").andReturn()
			.getResponse()
			.getContentAsString();
		long id = idOf(created);
		String edited = created.replace("\"Round trip\"", "\"Round trip, edited\"");
		this.mvc.perform(put("/api/tasks/{id}", id).contentType(MediaType.APPLICATION_JSON).content(edited))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.title").value("Round trip, edited"))
			.andExpect(jsonPath("$.quadrant").value("DELEGATE"));
	}

	@Test
	void putUnknownIdIs404() throws Exception {
		this.mvc.perform(put("/api/tasks/{id}", 999).contentType(MediaType.APPLICATION_JSON)
			.content("{\"title\": \"x\"}"))
			.andExpect(status().isNotFound())
			.andExpect(jsonPath("$.error").value("task 999 not found"));
	}

	@Test
	void putWithEmptyTitleIs400AndChangesNothing() throws Exception {
		long id = idOf(create("{\"title\": \"Keep me\"}"));
		this.mvc.perform(put("/api/tasks/{id}", id).contentType(MediaType.APPLICATION_JSON)
			.content("{\"title\": \"\"}"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("title"));
		this.mvc.perform(get("/api/tasks/{id}", id)).andExpect(jsonPath("$.title").value("Keep me"));
	}

	@Test
	void deleteReturns204ThenTheTaskIsGone() throws Exception {
		long id = idOf(create("{\"title\": \"Temporary\"}"));
		this.mvc.perform(delete("/api/tasks/{id}", id)).andExpect(status().isNoContent());
		this.mvc.perform(get("/api/tasks/{id}", id)).andExpect(status().isNotFound());
		this.mvc.perform(delete("/api/tasks/{id}", id))
			.andExpect(status().isNotFound())
			.andExpect(jsonPath("$.error").value("task " + id + " not found"));
	}

	@Test
	void completeMarksTheTaskDone() throws Exception {
		long id = idOf(create("{\"title\": \"Ship it\", \"urgent\": true, \"important\": true}"));
		this.mvc.perform(post("/api/tasks/{id}/complete", id))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.id").value(id))
			.andExpect(jsonPath("$.done").value(true))
			.andExpect(jsonPath("$.quadrant").value("DO"));
		this.mvc.perform(get("/api/tasks/{id}", id)).andExpect(jsonPath("$.done").value(true));
	}

	@Test
	void completeUnknownIdIs404() throws Exception {
		this.mvc.perform(post("/api/tasks/{id}/complete", 31337))
			.andExpect(status().isNotFound())
			.andExpect(jsonPath("$.field").value("id"));
	}

	@Test
	void emptyTitleIs400WithReason() throws Exception {
		create("{\"title\": \"   \", \"urgent\": true}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value("title must not be empty"))
			.andExpect(jsonPath("$.field").value("title"));
		this.mvc.perform(get("/api/tasks")).andExpect(jsonPath("$", empty()));
	}

	@Test
	void missingTitleIs400WithReason() throws Exception {
		create("{\"urgent\": true}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value("title is required"))
			.andExpect(jsonPath("$.field").value("title"));
	}

	@Test
	void overlongTitleIs400() throws Exception {
		create("{\"title\": \"" + "x".repeat(501) + "\"}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("title"))
			.andExpect(jsonPath("$.error").value(containsString("at most 500")));
	}

	@Test
	void malformedJsonIs400WithReason() throws Exception {
		create("{\"title\": \"unterminated").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value(containsString("malformed JSON")))
			.andExpect(jsonPath("$.field").doesNotExist());
		create("{title: x}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value(containsString("malformed JSON at line 1, column 2")));
	}

	@Test
	void wrongTypeIs400NamingTheField() throws Exception {
		create("{\"title\": \"x\", \"urgent\": \"very\"}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("urgent"))
			.andExpect(jsonPath("$.error").value("urgent must be true or false"));
		create("{\"title\": {\"text\": \"x\"}}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("title"))
			.andExpect(jsonPath("$.error").value("title must be a string"));
	}

	@Test
	void bodyThatIsNotAnObjectIs400() throws Exception {
		create("[1, 2]").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value(containsString("must be a JSON object")));
	}

	@Test
	void missingBodyIs400() throws Exception {
		this.mvc.perform(post("/api/tasks").contentType(MediaType.APPLICATION_JSON))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value(containsString("request body is missing")));
	}

	@Test
	void nonJsonContentTypeIs415WithError() throws Exception {
		this.mvc.perform(post("/api/tasks").contentType(MediaType.TEXT_PLAIN).content("title=x"))
			.andExpect(status().isUnsupportedMediaType())
			.andExpect(jsonPath("$.error").value(containsString("application/json")));
	}

	@Test
	void databaseIsInWalModeAsReplicationNeeds() {
		assertThat(this.jdbc.sql("PRAGMA journal_mode").query(String.class).single()).isEqualToIgnoringCase("wal");
	}

	@Test
	void indexPageIsServedAndUsesTheApi() throws Exception {
		this.mvc.perform(get("/index.html"))
			.andExpect(status().isOk())
			.andExpect(content().string(containsString("<title>QuadTask</title>")))
			.andExpect(content().string(containsString("fetch('api/tasks'")));
	}

	@Test
	void actuatorExposesHealthLitestreamAndPrometheus() throws Exception {
		this.mvc.perform(get("/actuator/health"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.status").value("UP"))
			.andExpect(jsonPath("$.components.litestream.status").value("UP"));
		this.mvc.perform(get("/actuator/litestream"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.dbs[0].path").value(dataDir.resolve("quadtask.db").toString()))
			.andExpect(jsonPath("$.dbs[0].replicas[0].type").value("file"));
		this.mvc.perform(get("/actuator/prometheus"))
			.andExpect(status().isOk())
			.andExpect(content().string(containsString("jvm_memory_used_bytes")))
			.andExpect(content()
				.string(containsString("litestream_replication_lag_seconds{db=\"quadtask.db\",replica=\"file\"}")));
	}

	private ResultActions create(String json) throws Exception {
		return this.mvc.perform(post("/api/tasks").contentType(MediaType.APPLICATION_JSON).content(json));
	}

	private long idOf(ResultActions created) throws Exception {
		return idOf(created.andExpect(status().isCreated()).andReturn().getResponse().getContentAsString());
	}

	private static long idOf(String json) {
		java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(json);
		if (!matcher.find()) {
			throw new AssertionError("no id in " + json);
		}
		return Long.parseLong(matcher.group(1));
	}

}

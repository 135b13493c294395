package io.litestream4j.sample.task;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The QuadTask JSON API under {@code /api/tasks}.
 */
@RestController
@RequestMapping(path = "/api/tasks", produces = "application/json")
public class TaskController {

	private final TaskRepository tasks;

	private final Clock clock;

	public TaskController(TaskRepository tasks) {
		this.tasks = tasks;
		this.clock = Clock.systemUTC();
	}

	@PostMapping
	@ResponseStatus(HttpStatus.CREATED)
	public Task create(@RequestBody TaskRequest request) {
		return this.tasks.insert(request.validate(), Instant.now(this.clock).truncatedTo(ChronoUnit.MILLIS));
	}

	@GetMapping
	public List<Task> list(@RequestParam(name = "quadrant", required = false) String quadrant) {
		if (quadrant == null) {
			return this.tasks.findAll();
		}
		return this.tasks.findByQuadrant(Quadrant.parse(quadrant, "quadrant"));
	}

	@GetMapping("/{id}")
	public Task get(@PathVariable("id") long id) {
		return this.tasks.findById(id).orElseThrow(() -> new TaskNotFoundException(id));
	}

	@PutMapping("/{id}")
	public Task replace(@PathVariable("id") long id, @RequestBody TaskRequest request) {
		TaskRequest.ValidTask valid = request.validate();
		if (!this.tasks.update(id, valid)) {
			throw new TaskNotFoundException(id);
		}
		return get(id);
	}

	@DeleteMapping("/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	public void delete(@PathVariable("id") long id) {
		if (!this.tasks.delete(id)) {
			throw new TaskNotFoundException(id);
		}
	}

	@PostMapping("/{id}/complete")
	public Task complete(@PathVariable("id") long id) {
		if (!this.tasks.markDone(id)) {
			throw new TaskNotFoundException(id);
		}
		return get(id);
	}

}

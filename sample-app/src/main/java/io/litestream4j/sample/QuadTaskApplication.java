package io.litestream4j.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class QuadTaskApplication {

	public static void main(String[] args) {
		SpringApplication.run(QuadTaskApplication.class, args);
	}

}

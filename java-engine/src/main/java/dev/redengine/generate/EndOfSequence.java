package dev.redengine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** The end-of-sequence ids of an HF model folder: eos_token_id (an id or a list) of config.json and generation_config.json. */
public final class EndOfSequence {
    private EndOfSequence() {
    }

    public static Set<Integer> ids(Path modelDir) throws IOException {
        Set<Integer> ids = new HashSet<>();
        for (String name : new String[]{"config.json", "generation_config.json"}) {
            Path f = modelDir.resolve(name);
            if (Files.isRegularFile(f)) {
                JsonNode eos = new ObjectMapper().readTree(f.toFile()).path("eos_token_id");
                if (eos.isInt()) {
                    ids.add(eos.asInt());
                } else if (eos.isArray()) {
                    eos.forEach(e -> ids.add(e.asInt()));
                }
            }
        }
        return ids;
    }
}

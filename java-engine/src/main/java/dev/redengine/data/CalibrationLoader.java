package dev.redengine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.TensorInfo;
import dev.redengine.model.ConfigException;
import dev.redengine.model.ModelConfig;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Reads the calibration input of the RED commands ({@code --calib FILE --samples N --seq-len T}).
 *
 * <h2>{@code .safetensors}: pre-tokenised</h2>
 * {@code input_ids}, int32 or int64, {@code [S, T0]} ({@code [T0]} is read as S = 1). The first N rows are taken
 * (all S when N is not given; N > S is an error), each cut to its first T tokens (T0 when T is not given;
 * T > T0 is an error). Every id taken must lie in {@code [0, vocab_size)}.
 *
 * <h2>{@code .jsonl} and {@code .txt}: text, tokenised with the model folder's {@code tokenizer.json}</h2>
 * <ul>
 *   <li>{@code .jsonl}: one JSON object per line with a string field {@code "text"}, one document per line; blank
 *       lines are skipped; anything else (bad JSON, not an object, no string "text") is an error naming the line.</li>
 *   <li>{@code .txt}: documents separated by one or more blank (whitespace-only) lines; a document's lines are
 *       joined with {@code \n}. A file without blank lines is one document. ({@code \r\n} is read as {@code \n}.)</li>
 * </ul>
 * Each document is encoded without special tokens (no BOS), documents that give no tokens are dropped, and the
 * rest are concatenated with the EOS id between consecutive documents (none after the last). The stream is cut
 * into consecutive sequences of exactly T tokens (T is required for text), the first N are kept (all complete
 * ones when N is not given) and the remainder is dropped. Fewer than N x T tokens is an error giving both counts.
 *
 * <p><b>The EOS rule</b> (what HF's {@code tokenizer.eos_token_id} gives, as TRL's packing uses): the
 * {@code eos_token} of {@code tokenizer_config.json} in the model folder (a string, or an object with
 * {@code "content"}), looked up in the tokenizer's vocabulary; if that file or key is absent,
 * {@code eos_token_id} of {@code config.json} (the first, if it is a list); if neither is there, no separator.
 * An {@code eos_token} not in the vocabulary, or an EOS id outside {@code [0, vocab_size)}, is an error.
 *
 * <p>All errors are {@link CalibrationException}s (or {@link IOException}s from reading) naming the file.
 */
public final class CalibrationLoader {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private CalibrationLoader() {
    }

    /** One text document and where it is in its file ("line 7"), for messages. */
    public record Document(String text, String where) {
    }

    /**
     * Loads {@code file} by its extension for the model in {@code modelDir} (whose {@code config} gives
     * vocab_size and max_position_embeddings; text files also need the folder's {@code tokenizer.json}).
     *
     * @param samples N, or null for all (safetensors rows, or complete packed sequences)
     * @param seqLen  T, or null for T0 (safetensors only; required for text)
     */
    public static CalibrationSet load(Path file, Path modelDir, ModelConfig config, Integer samples, Integer seqLen)
            throws IOException {
        checkPositive(samples, "--samples");
        checkPositive(seqLen, "--seq-len");
        CalibrationSet set;
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            set = fromSafetensors(file, config.vocabSize(), samples, seqLen);
        } else if (name.endsWith(".jsonl") || name.endsWith(".txt")) {
            if (seqLen == null) {
                throw new CalibrationException(file + ": --seq-len is required for a text calibration file"
                        + " (it sets the length the text is packed into)");
            }
            if (seqLen > config.maxPositions()) {
                throw new CalibrationException(file + ": --seq-len " + seqLen + " exceeds the model's"
                        + " max_position_embeddings = " + config.maxPositions());
            }
            List<Document> docs = name.endsWith(".jsonl") ? readJsonl(file) : readTxt(file);
            try (TextTokenizer tok = TextTokenizer.forModel(modelDir)) {
                OptionalInt eos = eosId(modelDir, config, tok);
                set = fromDocuments(file.toString(), docs, tok, eos, config.vocabSize(), samples, seqLen);
            }
        } else {
            throw new CalibrationException(file + ": unknown calibration file type; expected .safetensors"
                    + " (input_ids [S, T]), .jsonl (one {\"text\": ...} per line) or .txt (blank-line separated)");
        }
        if (set.seqLen() > config.maxPositions()) {
            throw new CalibrationException(file + ": sequences of " + set.seqLen() + " tokens exceed the model's"
                    + " max_position_embeddings = " + config.maxPositions() + "; pass a smaller --seq-len");
        }
        return set;
    }

    private static void checkPositive(Integer v, String option) throws CalibrationException {
        if (v != null && v <= 0) {
            throw new CalibrationException(option + " must be positive, got " + v);
        }
    }

    /** Pre-tokenised {@code input_ids [S, T0]}; see the class comment. */
    public static CalibrationSet fromSafetensors(Path file, int vocabSize, Integer samples, Integer seqLen)
            throws IOException {
        checkPositive(samples, "--samples");
        checkPositive(seqLen, "--seq-len");
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            TensorInfo info = in.find("input_ids").orElseThrow(() -> new CalibrationException(
                    file + ": no tensor 'input_ids' (tensors: " + in.names() + ")"));
            long[] shape = info.shape();
            if (shape.length == 1) {
                shape = new long[]{1, shape[0]};
            }
            if (shape.length != 2) {
                throw new CalibrationException(file + ": input_ids has shape " + Arrays.toString(info.shape())
                        + "; expected [S, T]");
            }
            long rows = shape[0], cols = shape[1];
            if (rows == 0 || cols == 0) {
                throw new CalibrationException(file + ": input_ids is empty: shape " + Arrays.toString(info.shape()));
            }
            if (samples != null && samples > rows) {
                throw new CalibrationException(file + ": --samples " + samples + " asks for more sequences than"
                        + " input_ids has (S = " + rows + ")");
            }
            if (seqLen != null && seqLen > cols) {
                throw new CalibrationException(file + ": --seq-len " + seqLen + " is longer than the sequences in"
                        + " input_ids (T = " + cols + "); it can only truncate");
            }
            int n = samples != null ? samples : Math.toIntExact(rows);
            int t = seqLen != null ? seqLen : Math.toIntExact(cols);
            int[] all = in.readInt32("input_ids");
            int width = Math.toIntExact(cols);
            int[][] seqs = new int[n][];
            for (int s = 0; s < n; s++) {
                seqs[s] = Arrays.copyOfRange(all, s * width, s * width + t);
                for (int j = 0; j < t; j++) {
                    int id = seqs[s][j];
                    if (id < 0 || id >= vocabSize) {
                        throw new CalibrationException(file + ": input_ids[" + s + ", " + j + "] = " + id
                                + " is outside [0, " + vocabSize + ") (the model's vocab_size)");
                    }
                }
            }
            String how = n == rows && t == cols ? "all of " : "first " + n + " x " + t + " of ";
            return new CalibrationSet(seqs, file + ": input_ids, " + how + rows + " x " + cols);
        }
    }

    /** The documents of a {@code .jsonl} file: one object per non-blank line, its string field "text". */
    public static List<Document> readJsonl(Path file) throws IOException {
        List<String> lines = readLines(file);
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new CalibrationException(file + " line " + lineNo + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new CalibrationException(file + " line " + lineNo + ": expected a JSON object with a \"text\""
                        + " field, found " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
            }
            JsonNode text = node.get("text");
            if (text == null) {
                throw new CalibrationException(file + " line " + lineNo + ": no \"text\" field (fields: "
                        + iterableToList(node.fieldNames()) + ")");
            }
            if (!text.isTextual()) {
                throw new CalibrationException(file + " line " + lineNo + ": \"text\" is "
                        + text.getNodeType().toString().toLowerCase(Locale.ROOT) + ", expected a string");
            }
            docs.add(new Document(text.asText(), "line " + lineNo));
        }
        return docs;
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** The documents of a {@code .txt} file: blocks of lines separated by blank lines. */
    public static List<Document> readTxt(Path file) throws IOException {
        List<String> lines = readLines(file);
        List<Document> docs = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int start = -1;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            if (line.isBlank()) {
                if (start >= 0) {
                    docs.add(new Document(cur.toString(), "document " + (docs.size() + 1) + " (line " + start + ")"));
                    cur.setLength(0);
                    start = -1;
                }
            } else {
                if (start < 0) {
                    start = i + 1;
                } else {
                    cur.append('\n');
                }
                cur.append(line);
            }
        }
        return docs;
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CalibrationException("calibration file not found: " + file);
        } catch (CharacterCodingException e) {
            throw new CalibrationException(file + ": not valid UTF-8 text");
        }
    }

    /** The EOS id put between documents, by the rule in the class comment; empty for none. */
    public static OptionalInt eosId(Path modelDir, ModelConfig config, TextTokenizer tok) throws IOException {
        Path tc = modelDir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tc)) {
            JsonNode root;
            try {
                root = JSON.readTree(tc.toFile());
            } catch (JsonProcessingException e) {
                throw new CalibrationException(tc + ": malformed JSON: " + e.getOriginalMessage());
            }
            JsonNode eos = root == null ? null : root.get("eos_token");
            if (eos != null && eos.isObject()) {
                eos = eos.get("content");
            }
            if (eos != null && eos.isTextual()) {
                OptionalInt id = tok.tokenId(eos.asText());
                if (id.isEmpty()) {
                    throw new CalibrationException(tc + ": eos_token \"" + eos.asText() + "\" is not in the vocabulary of "
                            + tok.describe());
                }
                return checkEos(id.getAsInt(), tc + " eos_token \"" + eos.asText() + "\"", config.vocabSize());
            }
        }
        JsonNode e = config.raw().get("eos_token_id");
        if (e != null && e.isArray()) {
            e = e.isEmpty() ? null : e.get(0);
        }
        if (e != null && !e.isNull()) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new ConfigException("invalid config: eos_token_id = " + e + " (expected an integer)");
            }
            return checkEos(e.asInt(), modelDir.resolve("config.json") + " eos_token_id", config.vocabSize());
        }
        return OptionalInt.empty();
    }

    private static OptionalInt checkEos(int id, String what, int vocabSize) throws CalibrationException {
        if (id < 0 || id >= vocabSize) {
            throw new CalibrationException(what + " = " + id + " is outside [0, " + vocabSize + ") (the model's vocab_size)");
        }
        return OptionalInt.of(id);
    }

    /**
     * Tokenises and packs documents (see the class comment). Stops tokenising once N x T tokens are there.
     *
     * @param source the file, for messages
     */
    public static CalibrationSet fromDocuments(String source, List<Document> docs, TextTokenizer tok, OptionalInt eos,
                                               int vocabSize, Integer samples, int seqLen) throws IOException {
        checkPositive(samples, "--samples");
        checkPositive(seqLen, "--seq-len");
        long need = samples == null ? Long.MAX_VALUE : (long) samples * seqLen;
        if (samples != null && need > Integer.MAX_VALUE - 8) {
            throw new CalibrationException(source + ": " + samples + " x " + seqLen + " tokens is too many");
        }
        IntList stream = new IntList();
        int used = 0, separators = 0;
        for (Document d : docs) {
            if (stream.size >= need) {
                break;
            }
            int[] ids = tok.encode(d.text());
            if (ids.length == 0) {
                continue;
            }
            for (int j = 0; j < ids.length; j++) {
                if (ids[j] < 0 || ids[j] >= vocabSize) {
                    throw new CalibrationException(source + " " + d.where() + ", token " + j + ": id " + ids[j]
                            + " from " + tok.describe() + " is outside [0, " + vocabSize + ") (the model's vocab_size);"
                            + " is the tokenizer from this model?");
                }
            }
            if (used > 0 && eos.isPresent()) {
                stream.add(eos.getAsInt());
                separators++;
            }
            stream.addAll(ids);
            used++;
        }
        String eosNote = eos.isPresent() ? "EOS " + eos.getAsInt() + " between documents" : "no EOS between documents";
        if (used == 0) {
            throw new CalibrationException(source + ": no text to calibrate on (" + docs.size() + " documents, no tokens)");
        }
        int n;
        if (samples == null) {
            n = stream.size / seqLen;
            if (n == 0) {
                throw new CalibrationException(source + ": the text gives only " + stream.size + " tokens ("
                        + eosNote + "), fewer than one sequence of --seq-len " + seqLen);
            }
        } else {
            if (stream.size < need) {
                throw new CalibrationException(source + ": --samples " + samples + " x --seq-len " + seqLen + " needs "
                        + need + " tokens, but the text gives only " + stream.size + " (" + used + " documents, "
                        + eosNote + "); add text or ask for fewer/shorter sequences");
            }
            n = samples;
        }
        int[][] seqs = new int[n][];
        for (int s = 0; s < n; s++) {
            seqs[s] = Arrays.copyOfRange(stream.data, s * seqLen, (s + 1) * seqLen);
        }
        String desc = source + ": " + used + (used == docs.size() ? "" : " of " + docs.size()) + " documents, "
                + stream.size + " tokens (" + separators + " EOS), packed into " + n + " x " + seqLen
                + " (" + eosNote + "; tokenizer " + tok.describe() + ")";
        return new CalibrationSet(seqs, desc);
    }

    private static final class IntList {
        int[] data = new int[1024];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, Math.multiplyExact(data.length, 2));
            }
            data[size++] = v;
        }

        void addAll(int[] v) {
            if (size + v.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size + v.length, Math.multiplyExact(data.length, 2)));
            }
            System.arraycopy(v, 0, data, size, v.length);
            size += v.length;
        }
    }
}

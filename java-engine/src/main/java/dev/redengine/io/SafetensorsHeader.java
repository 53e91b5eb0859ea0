package dev.redengine.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of one safetensors file.
 *
 * <p>Everything a reader could trip over later is checked here, once, so that {@link SafetensorsFile} can slice
 * its mapping without further bounds reasoning: every entry's range lies inside the data buffer, matches its
 * shape and dtype, and overlaps no other entry, and the data buffer ends where the last tensor ends (the reference
 * implementation rejects a buffer of another size: bytes after the last tensor mean a wrong header or a file
 * appended to). Gaps between tensors are allowed (HF's own reader rejects them, but nothing here depends on
 * contiguity).
 *
 * @param tensors    entries in header order
 * @param metadata   the optional {@code __metadata__} string map (empty when absent)
 * @param dataOffset byte offset of the data buffer in the file: 8 + header length
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataOffset) {

    /** HF's reader refuses headers above 100 MB; a larger length is a corrupt or hostile file, not a model. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    /**
     * Strict JSON: a duplicated key would silently shadow a tensor, and trailing garbage means the length prefix
     * is wrong. Jackson's default stream constraints (nesting depth, number length) bound the work on hostile input.
     */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses the header.
     *
     * @param where      how to name the file in messages
     * @param headerUtf8 the N header bytes
     * @param fileSize   total file size, to bound the data offsets
     */
    static SafetensorsHeader parse(String where, byte[] headerUtf8, long fileSize) throws SafetensorsFormatException {
        long dataOffset = 8L + headerUtf8.length;
        long dataLength = fileSize - dataOffset;
        JsonNode root = parseJson(where, headerUtf8, "header");
        if (!root.isObject()) {
            throw new SafetensorsFormatException(where + ": header is not a JSON object but " + root.getNodeType());
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(where, field.getValue());
            } else {
                TensorInfo info = parseEntry(where, field.getKey(), field.getValue(), dataLength);
                tensors.put(info.name(), info);
            }
        }
        checkOverlaps(where, tensors.values());
        long end = 0;
        for (TensorInfo t : tensors.values()) {
            end = Math.max(end, t.end());
        }
        if (end != dataLength) {
            throw new SafetensorsFormatException(where + ": " + (dataLength - end) + " bytes after the last tensor (data buffer "
                    + dataLength + " bytes, tensors end at " + end + "); file corrupt or appended to?");
        }
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata, dataOffset);
    }

    /** Strict UTF-8 then JSON; any Jackson failure, checked or not, becomes a format error naming the file. */
    static JsonNode parseJson(String where, byte[] utf8, String what) throws SafetensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(where + ": " + what + " is not valid UTF-8", e);
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new SafetensorsFormatException(where + ": " + what + " is empty, expected a JSON object");
            }
            return node;
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (Exception e) {
            // JsonProcessingException (checked) and, defensively, any runtime exception from Jackson.
            throw new SafetensorsFormatException(where + ": " + what + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Map<String, String> parseMetadata(String where, JsonNode node) throws SafetensorsFormatException {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(where + ": " + METADATA_KEY + " must be an object of strings, got "
                    + node.getNodeType());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(where + ": " + METADATA_KEY + " value for key '" + e.getKey()
                        + "' must be a string, got " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseEntry(String where, String name, JsonNode node, long dataLength)
            throws SafetensorsFormatException {
        String ctx = where + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsFormatException(ctx + ": entry must be an object, got " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(ctx + ": " + (dtypeNode == null ? "missing" : "non-string") + " dtype");
        }
        SafetensorsDType dtype = SafetensorsDType.fromName(dtypeNode.textValue()).orElseThrow(
                () -> new SafetensorsFormatException(ctx + ": unknown dtype \"" + dtypeNode.textValue() + "\""));
        long[] shape = longArray(ctx, node.get("shape"), "shape", -1);
        long[] offsets = longArray(ctx, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new SafetensorsFormatException(ctx + ": data_offsets begin " + begin + " > end " + end);
        }
        if (end > dataLength) {
            throw new SafetensorsFormatException(ctx + ": data_offsets end " + end + " is past the data buffer ("
                    + dataLength + " bytes; file truncated?)");
        }
        long expected;
        try {
            long numel = 1;
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            expected = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(ctx + ": shape " + java.util.Arrays.toString(shape) + " overflows");
        }
        if (expected != end - begin) {
            throw new SafetensorsFormatException(ctx + ": shape " + java.util.Arrays.toString(shape) + " x " + dtype
                    + " needs " + expected + " bytes but data_offsets [" + begin + ", " + end + ") hold "
                    + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers that fit a long; {@code length} -1 means any length. */
    private static long[] longArray(String ctx, JsonNode node, String field, int length) throws SafetensorsFormatException {
        if (node == null) {
            throw new SafetensorsFormatException(ctx + ": missing " + field);
        }
        if (!node.isArray()) {
            throw new SafetensorsFormatException(ctx + ": " + field + " must be an array, got " + node.getNodeType());
        }
        if (length >= 0 && node.size() != length) {
            throw new SafetensorsFormatException(ctx + ": " + field + " must have " + length + " elements, got " + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SafetensorsFormatException(ctx + ": " + field + "[" + i + "] = " + v + " is not an integer");
            }
            out[i] = v.longValue();
            if (out[i] < 0) {
                throw new SafetensorsFormatException(ctx + ": " + field + "[" + i + "] = " + out[i] + " is negative");
            }
        }
        return out;
    }

    /**
     * Sorted by begin, each non-empty range must start at or after the previous one's end. Empty tensors occupy no
     * bytes, so they cannot overlap anything wherever their (equal) offsets point.
     */
    private static void checkOverlaps(String where, Iterable<TensorInfo> entries) throws SafetensorsFormatException {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo t : entries) {
            if (t.byteSize() > 0) {
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafetensorsFormatException(where + ": tensor '" + cur.name() + "' [" + cur.begin() + ", "
                        + cur.end() + ") overlaps tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
        }
    }
}

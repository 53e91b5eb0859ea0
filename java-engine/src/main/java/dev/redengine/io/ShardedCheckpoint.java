package dev.redengine.io;

import dev.redengine.backend.Backend;
import com.fasterxml.jackson.databind.JsonNode;
import dev.redengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model folder: either one {@code model.safetensors}, or
 * {@code model.safetensors.index.json} plus the shard files its {@code weight_map} names.
 *
 * <p>Everything is checked when opened, so that a broken download fails before any compute starts: every shard
 * the index names exists and is a valid safetensors file, every tensor the index lists is in the shard it says,
 * and no tensor appears in two shards (which one would win is undefined). Tensors present in a shard but not in
 * the index are still served: the file is the truth about its contents, and duplicates are caught either way.
 * The index's {@code metadata} ({@code total_size}, {@code total_parameters}, ...) is ignored.
 *
 * <p>Reads are delegated to the owning shard, so conversion errors name the shard file.
 */
public final class ShardedCheckpoint implements TensorSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path folder;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owner;
    private final List<String> names;

    private ShardedCheckpoint(Path folder, List<SafetensorsFile> shards, Map<String, SafetensorsFile> owner) {
        this.folder = folder;
        this.shards = List.copyOf(shards);
        this.owner = Collections.unmodifiableMap(owner);
        this.names = List.copyOf(owner.keySet());
    }

    /**
     * Opens a model folder (index preferred over a single file when both exist, as transformers does), or, given
     * a path to a {@code .safetensors} file, that file alone.
     */
    public static ShardedCheckpoint open(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return fromShards(path.getParent() == null ? Path.of(".") : path.getParent(),
                    List.of(path.getFileName().toString()), Map.of());
        }
        if (!Files.isDirectory(path)) {
            throw new SafetensorsFormatException(path + ": no such model folder or safetensors file");
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndexed(path, index);
        }
        if (Files.isRegularFile(path.resolve(SINGLE_FILE))) {
            return fromShards(path, List.of(SINGLE_FILE), Map.of());
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(path)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().forEach(found::add);
        }
        throw new SafetensorsFormatException(path + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " in this folder"
                + (found.isEmpty() ? " (no .safetensors file at all)" : " (found only " + found + ")"));
    }

    private static ShardedCheckpoint openIndexed(Path folder, Path index) throws IOException {
        String where = index.toString();
        JsonNode root = SafetensorsHeader.parseJson(where, Files.readAllBytes(index), "index");
        if (!root.isObject()) {
            throw new SafetensorsFormatException(where + ": index is not a JSON object");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsFormatException(where + ": " + (map == null ? "missing" : "non-object") + " weight_map");
        }
        // tensor -> shard file name, in index order; shard names in first-use order.
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<String> shardNames = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(where + ": weight_map entry for tensor '" + e.getKey()
                        + "' must be a file name string, got " + e.getValue().getNodeType());
            }
            String shard = e.getValue().textValue();
            checkShardName(folder, where, e.getKey(), shard);
            weightMap.put(e.getKey(), shard);
            if (!shardNames.contains(shard)) {
                shardNames.add(shard);
            }
        }
        if (shardNames.isEmpty()) {
            throw new SafetensorsFormatException(where + ": weight_map is empty");
        }
        for (String shard : shardNames) {
            if (!Files.isRegularFile(folder.resolve(shard))) {
                String someTensor = weightMap.entrySet().stream().filter(e -> e.getValue().equals(shard))
                        .findFirst().orElseThrow().getKey();
                throw new SafetensorsFormatException(where + ": shard " + shard + " (holding e.g. tensor '" + someTensor
                        + "') is missing from " + folder);
            }
        }
        return fromShards(folder, shardNames, weightMap);
    }

    /** A shard must be a plain file name inside the folder: an index must not point elsewhere on disk. */
    private static void checkShardName(Path folder, String where, String tensor, String shard)
            throws SafetensorsFormatException {
        Path p;
        try {
            p = Path.of(shard);
        } catch (RuntimeException e) {
            throw new SafetensorsFormatException(where + ": tensor '" + tensor + "' names invalid shard file '" + shard + "'");
        }
        if (shard.isEmpty() || p.getNameCount() != 1 || p.isAbsolute() || shard.equals("..") || shard.equals(".")) {
            throw new SafetensorsFormatException(where + ": tensor '" + tensor + "' names shard '" + shard
                    + "', which is not a plain file name in " + folder);
        }
    }

    private static ShardedCheckpoint fromShards(Path folder, List<String> shardNames, Map<String, String> weightMap)
            throws IOException {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            for (String shardName : shardNames) {
                SafetensorsFile f = SafetensorsFile.open(folder.resolve(shardName));
                opened.add(f);
                for (String name : f.names()) {
                    SafetensorsFile prev = owner.putIfAbsent(name, f);
                    if (prev != null) {
                        throw new SafetensorsFormatException(folder + ": tensor '" + name + "' is in two shards, "
                                + prev.path().getFileName() + " and " + f.path().getFileName());
                    }
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile f = owner.get(e.getKey());
                if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                    throw new SafetensorsFormatException(folder.resolve(INDEX_FILE) + ": tensor '" + e.getKey()
                            + "' is listed for shard " + e.getValue() + " but absent from it"
                            + (f == null ? "" : " (it is in " + f.path().getFileName() + ")"));
                }
            }
            return new ShardedCheckpoint(folder, opened, owner);
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public Path folder() {
        return folder;
    }

    /** The open shard files, in index order (one for a single-file model). */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The file that holds {@code name}. */
    public Path fileOf(String name) throws MissingTensorException {
        return shardOf(name).path();
    }

    public SafetensorsFile shardOf(String name) throws MissingTensorException {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new MissingTensorException(name, describe());
        }
        return f;
    }

    @Override
    public String describe() {
        return folder.toString();
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile f = owner.get(name);
        return f == null ? Optional.empty() : f.find(name);
    }

    @Override
    public TensorInfo info(String name) throws MissingTensorException {
        return shardOf(name).info(name);
    }

    @Override
    public MemorySegment raw(String name) throws MissingTensorException {
        return shardOf(name).raw(name);
    }

    @Override
    public float[] readFloat32(String name) throws IOException {
        return shardOf(name).readFloat32(name);
    }

    @Override
    public void readFloat32(String name, MemorySegment dst) throws IOException {
        shardOf(name).readFloat32(name, dst);
    }

    @Override
    public int[] readInt32(String name) throws IOException {
        return shardOf(name).readInt32(name);
    }

    @Override
    public void readInt32(String name, MemorySegment dst) throws IOException {
        shardOf(name).readInt32(name, dst);
    }

    @Override
    public Tensor readTensor(String name, Backend backend) throws IOException {
        return shardOf(name).readTensor(name, backend);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}

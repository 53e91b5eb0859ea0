package dev.redengine.tensor;

/**
 * A block of memory that tensors view: host memory of the CPU backend, or an allocation on a device. It
 * records the backend that owns it, and each backend checks that the tensors it is handed live in its own
 * storage, so a device tensor given to the CPU backend (or one backend's tensor given to another) is an error
 * that names both instead of a wild read.
 *
 * <p>Subclasses belong to backends and keep the address to themselves: code outside a backend has no way to
 * read a tensor's memory except the backend's {@code download}.
 */
public abstract class Storage {
    private final Object owner;
    private final long byteSize;

    protected Storage(Object owner, long byteSize) {
        if (owner == null || byteSize < 0) {
            throw new IllegalArgumentException("storage needs an owner and a size >= 0");
        }
        this.owner = owner;
        this.byteSize = byteSize;
    }

    public final long byteSize() {
        return byteSize;
    }

    /** Whether {@code backend} allocated this storage (identity, not equality). */
    public final boolean ownedBy(Object backend) {
        return owner == backend;
    }

    /** Where the memory is, for error messages: "cpu", "cuda:0". */
    public abstract String location();
}

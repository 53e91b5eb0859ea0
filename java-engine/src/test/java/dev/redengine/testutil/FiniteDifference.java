package dev.redengine.testutil;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/** Central-difference checks of analytic gradients, shared by the op, model and student tests. */
public final class FiniteDifference {
    private FiniteDifference() {
    }

    /**
     * For {@code samples} random entries i of w: (loss(w + eps e_i) - loss(w - eps e_i)) / 2 eps must equal
     * grad[i] within {@code abs + rel * |fd|}; each mismatch is added to {@code failures}. w is restored.
     */
    public static void check(String name, Backend be, Tensor w, Tensor grad, DoubleSupplier loss, int samples, float eps,
                             double abs, double rel, SplittableRandom pick, List<String> failures) {
        for (int s = 0; s < samples; s++) {
            long i = pick.nextLong(w.numel());
            float orig = HostTensors.get(be, w, i);
            HostTensors.set(be, w, i, orig + eps);
            double up = loss.getAsDouble();
            HostTensors.set(be, w, i, orig - eps);
            double down = loss.getAsDouble();
            HostTensors.set(be, w, i, orig);
            double fd = (up - down) / (2 * eps), an = HostTensors.get(be, grad, i);
            if (!(Math.abs(fd - an) <= abs + rel * Math.abs(fd))) {
                failures.add(name + "[" + i + "]: analytic " + an + ", finite difference " + fd);
            }
        }
    }
}

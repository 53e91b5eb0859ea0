package dev.redengine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matrix's shape checks and row slicing at their bounds, and ErankPlot writing a PNG of the stated size. */
class MatrixAndPlotTest {
    @TempDir
    Path tmp;

    @Test
    void shapeChecks() {
        float[] six = new float[6];
        assertEquals("data is null", assertThrows(IllegalArgumentException.class, () -> new Matrix(null, 0, 0)).getMessage());
        assertEquals("negative shape [-1, 2]", assertThrows(IllegalArgumentException.class, () -> new Matrix(six, -1, 2)).getMessage());
        assertEquals("negative shape [2, -1]", assertThrows(IllegalArgumentException.class, () -> new Matrix(six, 2, -1)).getMessage());
        assertEquals("data of length 6 is not [2, 2]", assertThrows(IllegalArgumentException.class, () -> new Matrix(six, 2, 2)).getMessage());
        assertEquals(0, new Matrix(new float[0], 0, 0).rows());
    }

    @Test
    void rowsAndGet() {
        Matrix m = new Matrix(new float[]{1, 2, 3, 4, 5, 6}, 3, 2);
        assertEquals(4f, m.get(1, 1));
        assertEquals(5f, m.get(2, 0));
        Matrix mid = m.rows(1, 3);
        assertEquals(2, mid.rows());
        assertArrayEquals(new float[]{3, 4, 5, 6}, mid.data());
        assertEquals(0, m.rows(3, 3).rows());
        assertArrayEquals(new float[]{1, 2}, m.rows(0, 1).data());
        assertEquals("rows [-1, 2) of 3", assertThrows(IndexOutOfBoundsException.class, () -> m.rows(-1, 2)).getMessage());
        assertEquals("rows [0, 4) of 3", assertThrows(IndexOutOfBoundsException.class, () -> m.rows(0, 4)).getMessage());
        assertEquals("rows [2, 1) of 3", assertThrows(IndexOutOfBoundsException.class, () -> m.rows(2, 1)).getMessage());
    }

    @Test
    void requireFiniteNamesTheElement() {
        Matrix m = new Matrix(new float[]{1, 2, 3, 4, 5, Float.NaN}, 2, 3);
        assertEquals("x: non-finite value NaN at row 1, col 2 of [2, 3]",
                assertThrows(IllegalArgumentException.class, () -> m.requireFinite("x")).getMessage());
        new Matrix(new float[]{Float.MAX_VALUE, -Float.MAX_VALUE}, 1, 2).requireFinite("ok");
    }

    @Test
    void plotIsAPngOfTheStatedSize() throws Exception {
        Map<String, List<HiddenStateAnalysis.Layer>> models = new LinkedHashMap<>();
        models.put("teacher", List.of(new HiddenStateAnalysis.Layer(0, 5, 4, 0.1, 1), new HiddenStateAnalysis.Layer(1, 7, 6, 0.2, 1)));
        models.put("student", List.of(new HiddenStateAnalysis.Layer(0, 3, 2, 0.3, 1), new HiddenStateAnalysis.Layer(1, 2, 2, 0.4, 1)));
        Path png = tmp.resolve("erank.png");
        ErankPlot.write(png, models);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(png), s.toList(), "no temp files left");
        }
        assertTrue(Files.size(png) > 1000);
    }
}

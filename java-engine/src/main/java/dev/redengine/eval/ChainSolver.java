package dev.redengine.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a chain prompt back ({@code a=3;b=a+4;c=b-9;c=?}) and evaluates it from the text alone, independently of
 * the generator: what the tests check {@link ChainTask} against, and a validator of prompts from elsewhere.
 */
public final class ChainSolver {

    /** One statement: {@code target=constant} (source 0) or {@code target=source op k}. */
    public record Statement(char target, char source, char op, int k) {
        boolean isConstant() {
            return source == 0;
        }

        String text() {
            return isConstant() ? target + "=" + k : target + "=" + source + op + k;
        }
    }

    public record Program(List<Statement> statements, char query) {
        public String prompt() {
            List<String> parts = new ArrayList<>();
            for (Statement s : statements) {
                parts.add(s.text());
            }
            return String.join(";", parts) + ";" + query + "=?";
        }
    }

    private ChainSolver() {
    }

    public static Program parse(String prompt) {
        String[] parts = prompt.split(";");
        String q = parts[parts.length - 1];
        if (q.length() != 3 || !q.endsWith("=?")) {
            throw new IllegalArgumentException("not a chain prompt (no 'x=?' query at the end): " + prompt);
        }
        List<Statement> statements = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            String s = parts[i];
            if (s.length() < 3 || s.charAt(1) != '=') {
                throw new IllegalArgumentException("bad statement '" + s + "' in " + prompt);
            }
            char target = s.charAt(0);
            String rhs = s.substring(2);
            if (Character.isDigit(rhs.charAt(0))) {
                statements.add(new Statement(target, (char) 0, '=', Integer.parseInt(rhs)));
            } else {
                statements.add(new Statement(target, rhs.charAt(0), rhs.charAt(1), Integer.parseInt(rhs.substring(2))));
            }
        }
        return new Program(statements, q.charAt(0));
    }

    public static int solve(Program p) {
        return value(definitions(p), p.query(), 0);
    }

    /** The statements the query reads, directly or not, from the query's own back to a constant. */
    public static List<Statement> dependencyChain(Program p) {
        Map<Character, Statement> defs = definitions(p);
        List<Statement> chain = new ArrayList<>();
        Statement s = defs.get(p.query());
        while (true) {
            if (s == null || chain.size() > defs.size()) {
                throw new IllegalArgumentException("undefined or cyclic variable in " + p.prompt());
            }
            chain.add(s);
            if (s.isConstant()) {
                return chain;
            }
            s = defs.get(s.source());
        }
    }

    private static Map<Character, Statement> definitions(Program p) {
        Map<Character, Statement> defs = new HashMap<>();
        for (Statement s : p.statements()) {
            if (defs.put(s.target(), s) != null) {
                throw new IllegalArgumentException("variable " + s.target() + " is assigned twice in " + p.prompt());
            }
        }
        return defs;
    }

    private static int value(Map<Character, Statement> defs, char v, int depth) {
        Statement s = defs.get(v);
        if (s == null || depth > defs.size()) {
            throw new IllegalArgumentException("variable " + v + " is undefined or cyclic");
        }
        if (s.isConstant()) {
            return s.k() % ChainTask.MODULUS;
        }
        int x = value(defs, s.source(), depth + 1);
        return switch (s.op()) {
            case '+' -> (x + s.k()) % ChainTask.MODULUS;
            case '-' -> Math.floorMod(x - s.k(), ChainTask.MODULUS);
            default -> throw new IllegalArgumentException("unknown operation " + s.op());
        };
    }
}

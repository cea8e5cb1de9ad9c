package dev.nabla.nn;

import java.util.List;

/**
 * Thrown by {@link Module#loadStateDict} with every problem found at once: missing keys, unexpected keys
 * (both only when strict) and shape mismatches (always), as PyTorch's {@code load_state_dict} reports them.
 */
public final class StateDictException extends IllegalArgumentException {
    private final List<String> missingKeys;
    private final List<String> unexpectedKeys;
    private final List<String> sizeMismatches;

    public StateDictException(String message, List<String> missingKeys, List<String> unexpectedKeys,
                              List<String> sizeMismatches) {
        super(message);
        this.missingKeys = List.copyOf(missingKeys);
        this.unexpectedKeys = List.copyOf(unexpectedKeys);
        this.sizeMismatches = List.copyOf(sizeMismatches);
    }

    /** Keys the module has but the state dict lacks (reported when strict). */
    public List<String> missingKeys() { return missingKeys; }

    /** Keys of the state dict the module does not have (reported when strict). */
    public List<String> unexpectedKeys() { return unexpectedKeys; }

    /** The keys whose shapes (or dtypes) differ, with the details as in the message. */
    public List<String> sizeMismatches() { return sizeMismatches; }
}

package io.peermesh.sim;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Silences the node's INFO lines while simulator tests run (a few seeds of a small cluster log
 * thousands), and restores the level afterwards for the other tests of the JVM. WARNING and above
 * still show.
 */
public final class QuietLogs implements BeforeAllCallback, AfterAllCallback {

    private static final Logger PEERMESH = Logger.getLogger("io.peermesh"); // held: JUL keeps loggers weakly
    private Level before;

    @Override
    public void beforeAll(ExtensionContext context) {
        before = PEERMESH.getLevel();
        PEERMESH.setLevel(Level.WARNING);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        PEERMESH.setLevel(before);
    }
}

package org.kmipappliance.hsm.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the slot of a token by its label. SunPKCS11 selects tokens by slot only, and slot ids can change when
 * tokens are added (SoftHSM2 derives them from serial numbers), while a label is what an HSM operator knows. The
 * lookup asks the PKCS#11 library itself through OpenSC's pkcs11-tool, which works with any PKCS#11 module.
 */
public final class TokenLabels {
    private static final Pattern SLOT = Pattern.compile("^Slot \\d+ \\(0x([0-9a-fA-F]+)\\):");
    private static final Pattern LABEL = Pattern.compile("^\\s+token label\\s*:\\s*(.*?)\\s*$");

    private TokenLabels() {
    }

    /** A token the library reports: its slot id and label. */
    record Token(long slot, String label) {
    }

    /** The slot id of the token labelled {@code label}, or a message that says what to fix. */
    public static long slotOf(Path library, String label) {
        List<Token> tokens = list(library);
        return tokens.stream().filter(token -> token.label().equals(label)).map(Token::slot).findFirst()
                .orElseThrow(() -> new HsmConfigurationException("no token labelled '" + label + "' in " + library
                        + "; the library has " + (tokens.isEmpty() ? "no initialised token" : "tokens labelled "
                        + tokens.stream().map(Token::label).toList()) + ". Fix hsm.token-label or initialise the token"));
    }

    static List<Token> list(Path library) {
        Process process;
        try {
            process = new ProcessBuilder("pkcs11-tool", "--module", library.toString(), "--list-slots")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new HsmConfigurationException("cannot find tokens by label without OpenSC's pkcs11-tool; install it "
                    + "(apt-get install opensc) or give the slot id as hsm.slot", e);
        }
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new HsmConfigurationException("pkcs11-tool could not list the slots of " + library + ": "
                        + output.strip());
            }
            return parse(output);
        } catch (IOException e) {
            throw new HsmConfigurationException("cannot read pkcs11-tool's slot list: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmConfigurationException("interrupted while listing the HSM's slots");
        }
    }

    /** Reads pkcs11-tool --list-slots output: "Slot N (0xID): ..." then "  token label : X" for initialised ones. */
    static List<Token> parse(String output) {
        List<Token> tokens = new ArrayList<>();
        Long slot = null;
        for (String line : output.split("\\R")) {
            Matcher slotLine = SLOT.matcher(line);
            if (slotLine.find()) {
                slot = Long.parseUnsignedLong(slotLine.group(1), 16);
                continue;
            }
            Matcher labelLine = LABEL.matcher(line);
            if (slot != null && labelLine.find()) {
                tokens.add(new Token(slot, labelLine.group(1)));
                slot = null;
            }
        }
        return tokens;
    }
}

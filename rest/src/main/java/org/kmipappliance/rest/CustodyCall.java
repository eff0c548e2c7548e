package org.kmipappliance.rest;

import java.util.function.Supplier;
import org.kmipappliance.hsm.CustodyException;

/** Runs a custody call and turns its failure into the Key Protect error of the request's context. */
final class CustodyCall {
    private CustodyCall() {
    }

    static <T> T in(String context, Supplier<T> call) {
        try {
            return call.get();
        } catch (CustodyException e) {
            throw ErrorEnvelope.fromCustody(e, context);
        }
    }
}

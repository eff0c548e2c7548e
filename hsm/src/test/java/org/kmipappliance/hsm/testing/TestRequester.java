package org.kmipappliance.hsm.testing;

import org.kmipappliance.hsm.Requester;

/** Who a test is when it changes custody directly, in the audit trail. */
public final class TestRequester {
    public static final Requester TESTER = Requester.system("test");

    private TestRequester() {
    }
}

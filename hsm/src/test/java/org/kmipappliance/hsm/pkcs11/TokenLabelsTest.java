package org.kmipappliance.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.TestHsm;

class TokenLabelsTest {
    @Test
    void parse_readsSlotIdsAndLabelsOfInitialisedTokensOnly() {
        String output = """
                Available slots:
                Slot 0 (0x30e64db8): SoftHSM slot ID 0x30e64db8
                  token label        : kmip-appliance
                  token manufacturer : SoftHSM project
                Slot 1 (0x1): SoftHSM slot ID 0x1
                  token state:   uninitialized
                """;
        assertEquals(List.of(new TokenLabels.Token(0x30e64db8L, "kmip-appliance")), TokenLabels.parse(output));
    }

    @Test
    void slotOf_findsTheTestTokenByItsLabel_throughTheLibrary() {
        assertEquals(TestHsm.config().slot(), TokenLabels.slotOf(TestHsm.config().library(), "kmip-appliance-test"));
    }

    @Test
    void slotOf_unknownLabel_listsTheLabelsThatExist() {
        HsmConfigurationException e = assertThrows(HsmConfigurationException.class,
                () -> TokenLabels.slotOf(TestHsm.config().library(), "no-such-token"));
        assertTrue(e.getMessage().contains("kmip-appliance-test"), e.getMessage());
        assertTrue(e.getMessage().contains("hsm.token-label"), e.getMessage());
    }
}

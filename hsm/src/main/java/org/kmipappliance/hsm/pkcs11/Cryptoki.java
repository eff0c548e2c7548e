package org.kmipappliance.hsm.pkcs11;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.ImportedKeyRejectedException;
import org.kmipappliance.hsm.SecretBytes;

/**
 * The few PKCS#11 calls SunPKCS11 does not offer, made on the library SunPKCS11 already initialised and logged in
 * to: an RSA transport key pair whose private half stays on the token, and AES keys made on the token from material
 * the HSM unwraps with it (RSA-OAEP, which SunPKCS11 does not implement) or, where the configuration allows, from
 * material the caller hands in. The AES keys get the attributes SunPKCS11 gives the root keys it makes, so the rest
 * of custody finds and uses them by label like any other root-key version.
 *
 * <p>Login state belongs to the process in PKCS#11, so sessions opened here are logged in through SunPKCS11's
 * login. Every session is opened for one call and closed after it, which also destroys the session objects it made.
 */
final class Cryptoki {
    // Positions in CK_FUNCTION_LIST (PKCS#11 2.40, section 5.16), after its CK_VERSION.
    private static final int C_INITIALIZE = 0;
    private static final int C_GET_SLOT_LIST = 4;
    private static final int C_OPEN_SESSION = 12;
    private static final int C_CLOSE_SESSION = 13;
    private static final int C_CREATE_OBJECT = 20;
    private static final int C_DESTROY_OBJECT = 22;
    private static final int C_GET_ATTRIBUTE_VALUE = 24;
    private static final int C_FIND_OBJECTS_INIT = 26;
    private static final int C_FIND_OBJECTS = 27;
    private static final int C_FIND_OBJECTS_FINAL = 28;
    private static final int C_GENERATE_KEY_PAIR = 59;
    private static final int C_UNWRAP_KEY = 61;

    private static final long CKR_OK = 0x0;
    private static final long CKR_GENERAL_ERROR = 0x5;
    private static final long CKR_ARGUMENTS_BAD = 0x7;
    private static final long CKR_ATTRIBUTE_VALUE_INVALID = 0x13;
    private static final long CKR_ENCRYPTED_DATA_INVALID = 0x40;
    private static final long CKR_ENCRYPTED_DATA_LEN_RANGE = 0x41;
    private static final long CKR_KEY_SIZE_RANGE = 0x62;
    private static final long CKR_MECHANISM_PARAM_INVALID = 0x71;
    private static final long CKR_TEMPLATE_INCONSISTENT = 0xD1;
    private static final long CKR_WRAPPED_KEY_INVALID = 0x110;
    private static final long CKR_WRAPPED_KEY_LEN_RANGE = 0x112;
    private static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;

    private static final long CKF_RW_SESSION = 0x2;
    private static final long CKF_SERIAL_SESSION = 0x4;
    private static final long CKF_OS_LOCKING_OK = 0x2;

    static final long CKA_CLASS = 0x0;
    static final long CKA_TOKEN = 0x1;
    static final long CKA_PRIVATE = 0x2;
    static final long CKA_LABEL = 0x3;
    static final long CKA_VALUE = 0x11;
    static final long CKA_KEY_TYPE = 0x100;
    static final long CKA_SENSITIVE = 0x103;
    static final long CKA_ENCRYPT = 0x104;
    static final long CKA_DECRYPT = 0x105;
    static final long CKA_WRAP = 0x106;
    static final long CKA_UNWRAP = 0x107;
    static final long CKA_SIGN = 0x108;
    static final long CKA_VERIFY = 0x10A;
    static final long CKA_DERIVE = 0x10C;
    static final long CKA_MODULUS = 0x120;
    static final long CKA_MODULUS_BITS = 0x121;
    static final long CKA_PUBLIC_EXPONENT = 0x122;
    static final long CKA_VALUE_LEN = 0x161;
    static final long CKA_EXTRACTABLE = 0x162;

    static final long CKO_PUBLIC_KEY = 0x2;
    static final long CKO_PRIVATE_KEY = 0x3;
    static final long CKO_SECRET_KEY = 0x4;
    private static final long CKK_RSA = 0x0;
    private static final long CKK_AES = 0x1F;

    private static final long CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0;
    private static final long CKM_RSA_PKCS_OAEP = 0x9;
    private static final long CKZ_DATA_SPECIFIED = 0x1;

    /** The hash of an RSA-OAEP wrapping, with its PKCS#11 mechanism and mask generation function. */
    enum OaepHash {
        SHA_1(0x220, 0x1),
        SHA_256(0x250, 0x2);

        private final long mechanism;
        private final long mgf;

        OaepHash(long mechanism, long mgf) {
            this.mechanism = mechanism;
            this.mgf = mgf;
        }
    }

    private static final int ULONG = 8;
    private static final int ATTRIBUTE_BYTES = 3 * ULONG;
    private static final byte[] F4 = {1, 0, 1};

    private final Pointer functions;
    private final long slot;

    private Cryptoki(Pointer functions, long slot) {
        this.functions = functions;
        this.slot = slot;
    }

    /**
     * Binds to {@code config}'s library and token. SunPKCS11 has initialised the library already (its answer
     * CKR_CRYPTOKI_ALREADY_INITIALIZED is expected); the slot is chosen as SunPKCS11 chose it.
     */
    static Cryptoki bind(HsmConfig config) {
        if (Native.LONG_SIZE != ULONG) {
            throw new HsmConfigurationException("importing root keys needs a 64-bit Linux (CK_ULONG of 8 bytes); "
                    + "this platform's is " + Native.LONG_SIZE);
        }
        NativeLibrary library = NativeLibrary.getInstance(config.library().toString());
        Memory list = new Memory(Native.POINTER_SIZE);
        check(library.getFunction("C_GetFunctionList").invokeLong(new Object[] {list}), "C_GetFunctionList");
        Cryptoki cryptoki = new Cryptoki(list.getPointer(0), 0);
        Memory initArgs = new Memory(6 * ULONG);
        initArgs.clear();
        initArgs.setLong(4 * ULONG, CKF_OS_LOCKING_OK);
        long initialized = cryptoki.call(C_INITIALIZE, initArgs);
        if (initialized != CKR_OK && initialized != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            throw failure("C_Initialize", initialized);
        }
        return new Cryptoki(cryptoki.functions, config.slot() != null ? config.slot()
                : cryptoki.slotAt(config.slotListIndex()));
    }

    private long slotAt(int index) {
        Memory count = new Memory(ULONG);
        check(call(C_GET_SLOT_LIST, (byte) 1, Pointer.NULL, count), "C_GetSlotList");
        long slots = count.getLong(0);
        if (index >= slots) {
            throw new HsmConfigurationException("the HSM has " + slots + " slots with a token; hsm.slot-list-index "
                    + index + " names none of them");
        }
        Memory ids = new Memory(slots * ULONG);
        check(call(C_GET_SLOT_LIST, (byte) 1, ids, count), "C_GetSlotList");
        return ids.getLong((long) index * ULONG);
    }

    /**
     * Generates an RSA key pair of {@code bits}: the private key a token object labelled {@code label}, sensitive,
     * never extractable, able to unwrap and nothing else; the public key a session object, read and dropped. Returns
     * the public key's X.509 (SubjectPublicKeyInfo) encoding.
     */
    byte[] generateTransportKey(String label, int bits) {
        try (Session session = new Session()) {
            Template publicTemplate = new Template()
                    .bool(CKA_TOKEN, false).bool(CKA_ENCRYPT, true).bool(CKA_WRAP, true).bool(CKA_VERIFY, false)
                    .ulong(CKA_MODULUS_BITS, bits).bytes(CKA_PUBLIC_EXPONENT, F4);
            Template privateTemplate = new Template()
                    .bool(CKA_TOKEN, true).bool(CKA_PRIVATE, true).bool(CKA_SENSITIVE, true)
                    .bool(CKA_EXTRACTABLE, false).bool(CKA_UNWRAP, true).bool(CKA_DECRYPT, false)
                    .bool(CKA_SIGN, false).bool(CKA_DERIVE, false).text(CKA_LABEL, label);
            Memory handles = new Memory(2 * ULONG);
            check(call(C_GENERATE_KEY_PAIR, session.handle, mechanism(CKM_RSA_PKCS_KEY_PAIR_GEN, Pointer.NULL, 0),
                    publicTemplate.memory(), (long) publicTemplate.size(), privateTemplate.memory(),
                    (long) privateTemplate.size(), handles, handles.share(ULONG)), "C_GenerateKeyPair");
            long publicKey = handles.getLong(0);
            BigInteger modulus = new BigInteger(1, session.attribute(publicKey, CKA_MODULUS));
            BigInteger exponent = new BigInteger(1, session.attribute(publicKey, CKA_PUBLIC_EXPONENT));
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent))
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new HsmException("the HSM's RSA public key could not be encoded: " + e.getMessage(), e);
        }
    }

    /**
     * Makes the AES key {@code label} on the token from {@code wrapped}, which the HSM unwraps with the transport
     * key {@code transportLabel} (RSA-OAEP with {@code hash} for both the digest and MGF1, empty label). The key has
     * the root keys' attributes. A wrapping the HSM cannot open, or material that is not an AES key of 128, 192 or
     * 256 bits, fails with {@link ImportedKeyRejectedException} and leaves nothing on the token.
     */
    OptionalInt unwrapRootKey(String label, String transportLabel, OaepHash hash, byte[] wrapped) {
        try (Session session = new Session()) {
            long transportKey = session.find(CKO_PRIVATE_KEY, transportLabel).stream().findFirst().orElseThrow(() ->
                    new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.TOKEN,
                            "the import token's transport key " + transportLabel + " is no longer on the HSM; "
                                    + "create a new import token"));
            Memory oaep = new Memory(5 * ULONG);
            oaep.clear();
            oaep.setLong(0, hash.mechanism);
            oaep.setLong(ULONG, hash.mgf);
            oaep.setLong(2L * ULONG, CKZ_DATA_SPECIFIED);
            Memory wrappedBytes = new Memory(Math.max(1, wrapped.length));
            wrappedBytes.write(0, wrapped, 0, wrapped.length);
            Template template = rootKeyTemplate(label);
            Memory key = new Memory(ULONG);
            long result = call(C_UNWRAP_KEY, session.handle, mechanism(CKM_RSA_PKCS_OAEP, oaep, oaep.size()),
                    transportKey, wrappedBytes, (long) wrapped.length, template.memory(), (long) template.size(), key);
            if (result == CKR_ARGUMENTS_BAD || result == CKR_MECHANISM_PARAM_INVALID) {
                // SoftHSM2 (2.6 and later) unwraps RSA-OAEP with SHA-1 only.
                throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.WRAPPING_UNSUPPORTED,
                        "this appliance's HSM does not unwrap RSA-OAEP with " + hash.name().replace('_', '-') + " ("
                                + name(result) + "); wrap the key material with "
                                + (hash == OaepHash.SHA_256 ? "RSAES_OAEP_SHA_1" : "RSAES_OAEP_SHA_256")
                                + " instead, or connect an HSM that supports it");
            }
            // SoftHSM2 answers a padding that does not decode with CKR_GENERAL_ERROR.
            if (result == CKR_GENERAL_ERROR || result == CKR_ENCRYPTED_DATA_INVALID
                    || result == CKR_ENCRYPTED_DATA_LEN_RANGE || result == CKR_WRAPPED_KEY_INVALID
                    || result == CKR_WRAPPED_KEY_LEN_RANGE || result == CKR_KEY_SIZE_RANGE
                    || result == CKR_TEMPLATE_INCONSISTENT) {
                throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.PAYLOAD,
                        "the HSM could not unwrap the payload with the import token's key ("
                        + name(result) + "): encrypt the key material with the token's public key, RSA-OAEP with "
                        + hash.name().replace('_', '-') + " for both the digest and MGF1, and an empty label");
            }
            check(result, "C_UnwrapKey");
            return requireAesLength(session, key.getLong(0));
        }
    }

    /** Makes the AES key {@code label} on the token from {@code material}, with the root keys' attributes. */
    OptionalInt createRootKey(String label, SecretBytes material) {
        try (Session session = new Session()) {
            Memory value = new Memory(Math.max(1, material.length()));
            try {
                value.write(0, material.reveal(), 0, material.length());
                Template template = rootKeyTemplate(label).pointer(CKA_VALUE, value, material.length());
                Memory key = new Memory(ULONG);
                long result = call(C_CREATE_OBJECT, session.handle, template.memory(), (long) template.size(), key);
                if (result == CKR_TEMPLATE_INCONSISTENT || result == CKR_KEY_SIZE_RANGE
                        || result == CKR_ATTRIBUTE_VALUE_INVALID) {
                    throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.PAYLOAD,
                            "the HSM refused the key material (" + name(result)
                            + "): a root key is 16, 24 or 32 bytes");
                }
                check(result, "C_CreateObject");
                return requireAesLength(session, key.getLong(0));
            } finally {
                value.clear();
            }
        }
    }

    /**
     * The key's length in bits, if the HSM tells it: PKCS#11 has the token set CKA_VALUE_LEN of an unwrapped AES key,
     * but SoftHSM2 leaves it 0 (the caller then checks the key by using it).
     */
    private OptionalInt requireAesLength(Session session, long key) {
        long length = session.ulongAttribute(key, CKA_VALUE_LEN);
        if (length == 0) {
            return OptionalInt.empty();
        }
        if (length != 16 && length != 24 && length != 32) {
            session.destroy(key);
            throw new ImportedKeyRejectedException(ImportedKeyRejectedException.Reason.PAYLOAD,
                    "the key material is " + length * 8 + " bits; a root key is an AES key of 128, 192 or 256 bits");
        }
        return OptionalInt.of((int) length * 8);
    }

    /** What SunPKCS11 gives the root keys it generates (Pkcs11Hsm's provider template), and the label. */
    private static Template rootKeyTemplate(String label) {
        return new Template()
                .ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_AES)
                .bool(CKA_TOKEN, true).bool(CKA_PRIVATE, true).bool(CKA_SENSITIVE, true)
                .bool(CKA_EXTRACTABLE, false).bool(CKA_ENCRYPT, true).bool(CKA_DECRYPT, true)
                .bool(CKA_WRAP, false).bool(CKA_UNWRAP, false).bool(CKA_SIGN, false).bool(CKA_VERIFY, false)
                .bool(CKA_DERIVE, false).text(CKA_LABEL, label);
    }

    /** Destroys every object of {@code objectClass} labelled {@code label}; returns how many there were. */
    int destroy(long objectClass, String label) {
        try (Session session = new Session()) {
            List<Long> found = session.find(objectClass, label);
            found.forEach(session::destroy);
            return found.size();
        }
    }

    /** Whether the token holds an object of {@code objectClass} labelled {@code label}. */
    boolean contains(long objectClass, String label) {
        try (Session session = new Session()) {
            return !session.find(objectClass, label).isEmpty();
        }
    }

    /** The CK_BBOOL attributes of the object of {@code objectClass} labelled {@code label}, for the tests. */
    Map<Long, Boolean> flags(long objectClass, String label, long... attributes) {
        try (Session session = new Session()) {
            long object = session.find(objectClass, label).getFirst();
            Map<Long, Boolean> flags = new HashMap<>();
            for (long attribute : attributes) {
                flags.put(attribute, session.attribute(object, attribute)[0] != 0);
            }
            return flags;
        }
    }

    private final class Session implements AutoCloseable {
        private final long handle;

        Session() {
            Memory session = new Memory(ULONG);
            check(call(C_OPEN_SESSION, slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, Pointer.NULL, Pointer.NULL, session),
                    "C_OpenSession");
            handle = session.getLong(0);
        }

        List<Long> find(long objectClass, String label) {
            Template template = new Template().ulong(CKA_CLASS, objectClass).text(CKA_LABEL, label);
            check(call(C_FIND_OBJECTS_INIT, handle, template.memory(), (long) template.size()), "C_FindObjectsInit");
            List<Long> found = new ArrayList<>();
            try {
                Memory batch = new Memory(16 * ULONG);
                Memory count = new Memory(ULONG);
                do {
                    check(call(C_FIND_OBJECTS, handle, batch, 16L, count), "C_FindObjects");
                    for (int i = 0; i < count.getLong(0); i++) {
                        found.add(batch.getLong((long) i * ULONG));
                    }
                } while (count.getLong(0) == 16);
            } finally {
                check(call(C_FIND_OBJECTS_FINAL, handle), "C_FindObjectsFinal");
            }
            return found;
        }

        byte[] attribute(long object, long type) {
            Memory query = new Memory(ATTRIBUTE_BYTES);
            query.setLong(0, type);
            query.setPointer(ULONG, Pointer.NULL);
            query.setLong(2L * ULONG, 0);
            check(call(C_GET_ATTRIBUTE_VALUE, handle, object, query, 1L), "C_GetAttributeValue");
            long length = query.getLong(2L * ULONG);
            Memory value = new Memory(Math.max(1, length));
            query.setPointer(ULONG, value);
            check(call(C_GET_ATTRIBUTE_VALUE, handle, object, query, 1L), "C_GetAttributeValue");
            return value.getByteArray(0, (int) length);
        }

        long ulongAttribute(long object, long type) {
            return ByteBuffer.wrap(attribute(object, type)).order(ByteOrder.nativeOrder()).getLong();
        }

        void destroy(long object) {
            check(call(C_DESTROY_OBJECT, handle, object), "C_DestroyObject");
        }

        @Override
        public void close() {
            call(C_CLOSE_SESSION, handle);
        }
    }

    /** A CK_ATTRIBUTE array with the values it points to; the memory lives as long as the template. */
    private static final class Template {
        private final List<Object[]> attributes = new ArrayList<>();
        private Memory memory;

        Template bool(long type, boolean value) {
            Memory bool = new Memory(1);
            bool.setByte(0, (byte) (value ? 1 : 0));
            return pointer(type, bool, 1);
        }

        Template ulong(long type, long value) {
            Memory ulong = new Memory(ULONG);
            ulong.setLong(0, value);
            return pointer(type, ulong, ULONG);
        }

        Template bytes(long type, byte[] value) {
            Memory bytes = new Memory(value.length);
            bytes.write(0, value, 0, value.length);
            return pointer(type, bytes, value.length);
        }

        Template text(long type, String value) {
            return bytes(type, value.getBytes(StandardCharsets.UTF_8));
        }

        Template pointer(long type, Pointer value, long length) {
            attributes.add(new Object[] {type, value, length});
            return this;
        }

        int size() {
            return attributes.size();
        }

        Memory memory() {
            if (memory == null) {
                memory = new Memory((long) ATTRIBUTE_BYTES * attributes.size());
                for (int i = 0; i < attributes.size(); i++) {
                    Object[] attribute = attributes.get(i);
                    memory.setLong((long) i * ATTRIBUTE_BYTES, (Long) attribute[0]);
                    memory.setPointer((long) i * ATTRIBUTE_BYTES + ULONG, (Pointer) attribute[1]);
                    memory.setLong((long) i * ATTRIBUTE_BYTES + 2L * ULONG, (Long) attribute[2]);
                }
            }
            return memory;
        }
    }

    private static Memory mechanism(long type, Pointer parameter, long parameterLength) {
        Memory mechanism = new Memory(3 * ULONG);
        mechanism.setLong(0, type);
        mechanism.setPointer(ULONG, parameter);
        mechanism.setLong(2L * ULONG, parameterLength);
        return mechanism;
    }

    private long call(int index, Object... arguments) {
        Pointer entry = functions.getPointer(ULONG + (long) index * Native.POINTER_SIZE);
        return Function.getFunction(entry).invokeLong(arguments);
    }

    private static void check(long result, String function) {
        if (result != CKR_OK) {
            throw failure(function, result);
        }
    }

    private static HsmException failure(String function, long result) {
        return new HsmException("the HSM answered " + function + " with " + name(result));
    }

    private static String name(long result) {
        return "CKR 0x" + Long.toHexString(result);
    }
}

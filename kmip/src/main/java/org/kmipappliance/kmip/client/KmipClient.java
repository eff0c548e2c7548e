package org.kmipappliance.kmip.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * A small synchronous KMIP client over mutually authenticated TLS, for tests, benchmarks and the CLI. It knows
 * nothing of custody: only the wire.
 */
public final class KmipClient implements AutoCloseable {
    /**
     * Largest response accepted: well above what this appliance writes at most ({@link
     * org.kmipappliance.kmip.server.RequestProcessor#MAX_RESPONSE_BYTES}), for other servers' larger answers.
     */
    public static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
    /** Items a response may hold: every item takes at least 8 bytes. */
    public static final int MAX_RESPONSE_ITEMS = MAX_RESPONSE_BYTES / 8;

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ProtocolVersion version;

    private KmipClient(SSLSocket socket, ProtocolVersion version) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.version = version;
    }

    /** Connects and completes the TLS handshake, so a refused certificate fails here or on the first read. */
    public static KmipClient connect(SSLContext tls, String host, int port, ProtocolVersion version, Duration timeout)
            throws IOException {
        return connect(tls, host, port, version, timeout, true);
    }

    /**
     * The same; without {@code checkHostname} the server's certificate need not name {@code host} (it must still
     * chain to a trusted CA): for servers whose certificates name no address, as PyKMIP's test server's.
     */
    public static KmipClient connect(SSLContext tls, String host, int port, ProtocolVersion version, Duration timeout,
                                     boolean checkHostname) throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            var parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm(checkHostname ? "HTTPS" : null);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return new KmipClient(socket, version);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    public ProtocolVersion version() {
        return version;
    }

    /** Sends raw bytes and reads one response frame: for tests of what a broken client can do. */
    public byte[] exchangeRaw(byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
        return readFrame();
    }

    public ResponseMessage send(RequestMessage request) throws IOException, KmipException {
        byte[] response = exchangeRaw(TtlvEncoder.encode(MessageCodec.encodeRequest(request)));
        try {
            return MessageCodec.parseResponse(TtlvDecoder.decode(response, MAX_RESPONSE_ITEMS));
        } catch (TtlvException e) {
            throw new IOException("the server's response is not valid TTLV: " + e.getMessage(), e);
        }
    }

    /** Sends the items as one batch. */
    public ResponseMessage batch(List<RequestBatchItem> items) throws IOException, KmipException {
        return send(new RequestMessage(RequestHeader.simple(version, items.size()), items));
    }

    /** One operation; a failure is thrown with the server's reason and message. */
    public Ttlv.Structure call(Operation operation, Ttlv.Structure payload) throws IOException, KmipException {
        ResponseBatchItem item = batch(List.of(RequestBatchItem.of(operation, null, payload))).items().getFirst();
        if (item.status() != ResultStatus.SUCCESS) {
            throw new KmipException(item.reason(), item.message());
        }
        return item.payload();
    }

    public String createAesKey(int bits, int usageMask) throws IOException, KmipException {
        Ttlv.Structure template = Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                attribute("Cryptographic Algorithm",
                        new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE, KmipEnums.ALGORITHM_AES)),
                attribute("Cryptographic Length", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, bits)),
                attribute("Cryptographic Usage Mask", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, usageMask)));
        Ttlv.Structure response = call(Operation.CREATE, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY), template));
        return StructureReader.of(response, "Create response").requiredText(Tag.UNIQUE_IDENTIFIER,
                "Unique Identifier");
    }

    /** The Raw key material of a symmetric key. The caller owns (and should zero) the array. */
    public byte[] getKeyMaterial(String uniqueIdentifier) throws IOException, KmipException {
        Ttlv.Structure response = call(Operation.GET, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, uniqueIdentifier)));
        Ttlv.Structure keyBlock = StructureReader.of(
                StructureReader.of(response, "Get response").requiredStructure(Tag.SYMMETRIC_KEY, "Symmetric Key"),
                "Symmetric Key").requiredStructure(Tag.KEY_BLOCK, "Key Block");
        Ttlv.Structure keyValue = StructureReader.of(keyBlock, "Key Block").requiredStructure(Tag.KEY_VALUE,
                "Key Value");
        return StructureReader.of(keyValue, "Key Value").optionalBytes(Tag.KEY_MATERIAL, "Key Material")
                .orElseThrow(() -> new KmipException(ResultReason.INVALID_MESSAGE,
                        "the Get response carries no Raw key material"));
    }

    /** Discover Versions with the given list (empty: ask for all). */
    public List<ProtocolVersion> discoverVersions(List<ProtocolVersion> offered) throws IOException, KmipException {
        List<Ttlv> versions = new ArrayList<>();
        offered.forEach(v -> versions.add(MessageCodec.encodeVersion(v)));
        Ttlv.Structure response = call(Operation.DISCOVER_VERSIONS, new Ttlv.Structure(Tag.REQUEST_PAYLOAD,
                versions));
        List<ProtocolVersion> answer = new ArrayList<>();
        for (Ttlv.Structure version : StructureReader.of(response, "Discover Versions response")
                .structures(Tag.PROTOCOL_VERSION, "Protocol Version")) {
            answer.add(MessageCodec.decodeVersion(version));
        }
        return answer;
    }

    /**
     * Waits, sending nothing, until the server closes the connection: true if it did within {@code timeout}. For
     * callers that must know the server ended an idle connection (a certificate was removed, say).
     */
    public boolean awaitClosedByServer(Duration timeout) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset or TLS close: closed all the same
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(previous);
            }
        }
    }

    public static Ttlv.Structure attribute(String name, Ttlv value) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE, new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name), value);
    }

    private byte[] readFrame() throws IOException {
        byte[] header = new byte[8];
        in.readFully(header);
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(header, 4, 4).getInt());
        if (length > MAX_RESPONSE_BYTES) {
            throw new IOException("the server announced a " + length + "-byte response; the limit is "
                    + MAX_RESPONSE_BYTES);
        }
        byte[] frame = new byte[8 + (int) length];
        System.arraycopy(header, 0, frame, 0, 8);
        in.readFully(frame, 8, (int) length);
        return frame;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package org.kmipappliance.kmipctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where the appliance is and who calls it. Each setting comes from its flag, else the environment (KMIPCTL_URL,
 * KMIPCTL_INSTANCE, KMIPCTL_TOKEN, KMIPCTL_CACERT), else the profile that {@code kmipctl login} wrote.
 *
 * @param url      the REST listener, https://host:8443
 * @param instance the instance (bluemix-instance) the calls act on
 * @param token    the API token
 * @param caCertificate the CA certificate(s) to trust for the appliance's TLS, PEM; null: the JDK's trust store
 */
record Connection(URI url, String instance, String token, Path caCertificate) {
    static final String URL = "url";
    static final String INSTANCE = "instance";
    static final String TOKEN = "token";
    static final String CACERT = "cacert";

    /** The profile's file: $XDG_CONFIG_HOME/kmipctl/profile, else ~/.config/kmipctl/profile. */
    static Path profileFile(Map<String, String> environment) {
        String config = environment.get("XDG_CONFIG_HOME");
        Path base = config == null || config.isBlank() ? Path.of(System.getProperty("user.home"), ".config")
                : Path.of(config);
        return base.resolve("kmipctl").resolve("profile");
    }

    static Properties readProfile(Path file) {
        Properties profile = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                profile.load(reader);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the profile " + file + ": " + e.getMessage(), e);
            }
        }
        return profile;
    }

    /**
     * Resolves each setting, flag first; fails with what to do when one is missing.
     *
     * @param flags the flags given, null where not given
     */
    static Connection resolve(Map<String, String> flags, Map<String, String> environment, Properties profile)
            throws Kmipctl.UsageFailure {
        String url = pick(URL, flags, environment, profile);
        String instance = pick(INSTANCE, flags, environment, profile);
        String token = pick(TOKEN, flags, environment, profile);
        String caCertificate = pick(CACERT, flags, environment, profile);
        if (url == null) {
            throw new Kmipctl.UsageFailure("no appliance URL: give --url https://HOST:8443, set "
                    + "KMIPCTL_URL, or run kmipctl login");
        }
        if (token == null) {
            throw new Kmipctl.UsageFailure("no API token: give --token, set KMIPCTL_TOKEN, or run kmipctl "
                    + "login (the first start writes one to <state>/initial-admin-api-token)");
        }
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new Kmipctl.UsageFailure("the URL " + url + " is not a URL: " + e.getMessage());
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new Kmipctl.UsageFailure("the URL must be https://HOST[:PORT], not " + url);
        }
        return new Connection(uri, instance, token, caCertificate == null ? null : Path.of(caCertificate));
    }

    private static String pick(String setting, Map<String, String> flags, Map<String, String> environment,
                               Properties profile) {
        String flag = flags.get(setting);
        if (flag != null && !flag.isBlank()) {
            return flag;
        }
        String variable = environment.get("KMIPCTL_" + setting.toUpperCase(java.util.Locale.ROOT));
        if (variable != null && !variable.isBlank()) {
            return variable;
        }
        String saved = profile.getProperty(setting);
        return saved == null || saved.isBlank() ? null : saved;
    }

    /** TLS trusting {@link #caCertificate} only, or the JDK's trust store without one. */
    SSLContext tls() throws ApiException {
        try {
            if (caCertificate == null) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int index = 0;
            try (InputStream in = Files.newInputStream(caCertificate)) {
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("ca-" + index++, certificate);
                }
            }
            if (index == 0) {
                throw new ApiException(0, null, caCertificate + " holds no PEM certificate; give the appliance's CA "
                        + "(<state>/pki/ca.pem) with --cacert");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new ApiException(0, null, "cannot read the CA certificate " + caCertificate + ": " + e.getMessage());
        }
    }
}

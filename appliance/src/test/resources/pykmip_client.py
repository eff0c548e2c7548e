"""An independent KMIP client for the end-to-end tests: Debian's PyKMIP, run as its own process.

Usage: pykmip_client.py CONFIG_FILE VERSION create-get | get UID | discover
Prints one JSON object on stdout; exits non-zero with the error on stderr when the server refuses.
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")
from kmip import enums  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402

VERSIONS = {"1.0": enums.KMIPVersion.KMIP_1_0, "1.1": enums.KMIPVersion.KMIP_1_1,
            "1.2": enums.KMIPVersion.KMIP_1_2, "1.3": enums.KMIPVersion.KMIP_1_3,
            "1.4": enums.KMIPVersion.KMIP_1_4}


def main():
    config_file, version, command = sys.argv[1], sys.argv[2], sys.argv[3]
    with ProxyKmipClient(config="client", config_file=config_file, kmip_version=VERSIONS[version]) as client:
        if command == "create-get":
            uid = client.create(enums.CryptographicAlgorithm.AES, 256,
                                cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                                          enums.CryptographicUsageMask.DECRYPT])
            first = client.get(uid).value
            second = client.get(uid).value
            print(json.dumps({"uid": uid, "material": first.hex(), "again": second.hex()}))
        elif command == "get":
            print(json.dumps({"uid": sys.argv[4], "material": client.get(sys.argv[4]).value.hex()}))
        else:
            raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as error:  # the test reads the reason from stderr
        print(type(error).__name__ + ": " + str(error), file=sys.stderr)
        sys.exit(3)

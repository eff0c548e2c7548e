"""An independent KMIP client for the end-to-end tests: Debian's PyKMIP, run as its own process.

Usage: pykmip_client.py CONFIG_FILE VERSION create-get | get UID | lifecycle NAME | register-get NAME
Prints one JSON object on stdout; exits non-zero with the error on stderr when the server refuses.
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")
from kmip import enums  # noqa: E402
from kmip.core.factories.attributes import AttributeFactory  # noqa: E402
from kmip.pie import objects  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402

VERSIONS = {"1.0": enums.KMIPVersion.KMIP_1_0, "1.1": enums.KMIPVersion.KMIP_1_1,
            "1.2": enums.KMIPVersion.KMIP_1_2, "1.3": enums.KMIPVersion.KMIP_1_3,
            "1.4": enums.KMIPVersion.KMIP_1_4}


def state_of(client, uid):
    _, attributes = client.get_attributes(uid, ["State"])
    value = attributes[0].attribute_value.value
    return value.name if hasattr(value, "name") else enums.State(value).name


def enum_name(enumeration, value):
    return value.name if hasattr(value, "name") else enumeration(value).name


def lifecycle(client, name):
    """Every operation PyKMIP offers that the appliance serves, on one new key; returns what was seen."""
    factory = AttributeFactory()
    seen = {}
    uid = client.create(enums.CryptographicAlgorithm.AES, 256, name=name,
                        cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                                  enums.CryptographicUsageMask.DECRYPT])
    seen["created"] = uid
    _, attributes = client.get_attributes(uid, ["Cryptographic Length", "Name", "State", "Object Type"])
    seen["attributes"] = sorted(a.attribute_name.value for a in attributes)
    seen["length"] = [a.attribute_value.value for a in attributes
                      if a.attribute_name.value == "Cryptographic Length"][0]
    seen["state_created"] = state_of(client, uid)
    seen["located"] = client.locate(attributes=[factory.create_attribute(enums.AttributeType.NAME, name)])
    seen["material_length"] = len(client.get(uid).value)
    client.activate(uid)
    seen["state_activated"] = state_of(client, uid)
    client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid, revocation_message="retired")
    seen["state_revoked"] = state_of(client, uid)
    client.destroy(uid)
    seen["state_destroyed"] = state_of(client, uid)
    seen["located_after_destroy"] = client.locate(
        attributes=[factory.create_attribute(enums.AttributeType.NAME, name)])
    versions = client.proxy.discover_versions()
    seen["versions"] = ["%d.%d" % (v.major, v.minor) for v in versions.protocol_versions]
    query = client.proxy.query(query_functions=[enums.QueryFunction.QUERY_OPERATIONS,
                                                enums.QueryFunction.QUERY_OBJECTS,
                                                enums.QueryFunction.QUERY_SERVER_INFORMATION])
    seen["query_operations"] = sorted(enum_name(enums.Operation, getattr(o, "value", o)) for o in query.operations)
    seen["query_objects"] = [enum_name(enums.ObjectType, getattr(o, "value", o)) for o in query.object_types]
    vendor = query.vendor_identification
    seen["vendor"] = getattr(vendor, "value", vendor)
    return seen


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
        elif command == "lifecycle":
            print(json.dumps(lifecycle(client, sys.argv[4])))
        elif command == "register-get":
            material = bytes(range(32))
            key = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, material, name=sys.argv[4],
                                       masks=[enums.CryptographicUsageMask.ENCRYPT,
                                              enums.CryptographicUsageMask.DECRYPT])
            uid = client.register(key)
            fetched = client.get(uid)
            print(json.dumps({"uid": uid, "same": fetched.value == material,
                              "attribute_names": sorted(client.get_attribute_list(uid))}))
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
        import traceback
        traceback.print_exc(limit=3, file=sys.stderr)
        print(type(error).__name__ + ": " + str(error), file=sys.stderr)
        sys.exit(3)

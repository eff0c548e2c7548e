package org.kmipappliance.hsm;

import java.util.Set;
import java.util.UUID;

/** Who is calling the REST API: an API token with roles on one instance. */
public record ApiPrincipal(UUID tokenId, UUID instanceId, Set<Role> roles) {
    public ApiPrincipal {
        roles = Set.copyOf(roles);
    }

    /** The name recorded in created_by / updated_by fields. */
    public String subject() {
        return "api-token-" + tokenId;
    }

    public boolean hasAny(Set<Role> wanted) {
        return roles.stream().anyMatch(wanted::contains);
    }
}

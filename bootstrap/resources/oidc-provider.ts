import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { isNotFound } from "../aws-errors";
import { Action, ResourcePlan, Step, resourcePlan } from "../plan";
import { BootstrapSettings, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, oidcProviderArn, tagList } from "../settings";

/**
 * GitHub's OIDC identity provider. An account can hold only one provider per URL, and other
 * projects may already use it, so an existing provider is reused as is: bootstrap only adds
 * the STS audience if missing, and never touches its thumbprints or other audiences.
 */

/**
 * Thumbprints of GitHub's certificate chain. AWS now trusts GitHub through its own CA
 * library and ignores them, but the API (and older partitions) still accept a list.
 */
export const GITHUB_THUMBPRINTS = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"];

export interface OidcProviderObserved {
  readonly clientIds: readonly string[];
}

export type OidcProviderAction = Action<"create" | "addAudience">;

export function planOidcProvider(observed: OidcProviderObserved | undefined): ResourcePlan<OidcProviderAction> {
  if (!observed) return resourcePlan(false, [{ kind: "create", description: `create for https://${GITHUB_OIDC_HOST}, audience ${GITHUB_OIDC_AUDIENCE}` }]);
  if (observed.clientIds.includes(GITHUB_OIDC_AUDIENCE)) return resourcePlan(true, []);
  return resourcePlan(true, [{ kind: "addAudience", description: `audiences: add ${GITHUB_OIDC_AUDIENCE} (kept ${observed.clientIds.join(", ") || "none"})` }]);
}

export async function observeOidcProvider(iam: IAMClient, arn: string): Promise<OidcProviderObserved | undefined> {
  try {
    const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    return { clientIds: provider.ClientIDList ?? [] };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function oidcProviderStep(iam: IAMClient, settings: BootstrapSettings): Step {
  // The ARN is fixed by account and URL, so it is looked up directly rather than listed.
  const arn = oidcProviderArn(settings);
  return {
    title: `GitHub OIDC provider ${GITHUB_OIDC_HOST}`,
    async plan() {
      return { plan: planOidcProvider(await observeOidcProvider(iam, arn)), outputs: { oidcProviderArn: arn } };
    },
    async applyAction(action) {
      if ((action as OidcProviderAction).kind === "create") {
        await iam.send(
          new CreateOpenIDConnectProviderCommand({
            Url: `https://${GITHUB_OIDC_HOST}`,
            ClientIDList: [GITHUB_OIDC_AUDIENCE],
            ThumbprintList: GITHUB_THUMBPRINTS,
            Tags: tagList(settings.tags),
          }),
        );
      } else {
        await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: GITHUB_OIDC_AUDIENCE }));
      }
    },
  };
}

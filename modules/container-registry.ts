import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { requireInteger } from "./prop-checks";

export interface ContainerRegistryProps {
  /** Repository name, e.g. `openclaw/agent`. */
  readonly repositoryName: string;
  readonly kmsKeyArn: string;
  /** Images kept; older ones expire. Tenants pin tags or digests, so keep enough history. @default 200 */
  readonly maxImageCount?: number;
}

/** The agent image repository: immutable tags (a pinned tag always means the same image), scanned on push. */
export class ContainerRegistry extends Construct {
  public readonly repositoryArn: string;
  public readonly repositoryUrl: string;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const maxImageCount = props.maxImageCount ?? 200;
    requireInteger(`ContainerRegistry ${props.repositoryName}`, "maxImageCount", maxImageCount, 1);
    const repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the newest ${maxImageCount} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: maxImageCount },
            action: { type: "expire" },
          },
        ],
      }),
    });
    this.repositoryArn = repository.arn;
    this.repositoryUrl = repository.repositoryUrl;
  }
}

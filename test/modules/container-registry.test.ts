import { ContainerRegistry } from "../../modules/container-registry";
import { only, synthModule } from "../support/module-synth";

const KEY = "arn:aws:kms:us-east-1:111111111111:key/platform";

describe("ContainerRegistry", () => {
  it("uses immutable tags, scans on push and encrypts with KMS", () => {
    const { json } = synthModule((scope) => new ContainerRegistry(scope, "registry", { repositoryName: "openclaw/agent", kmsKeyArn: KEY }));
    expect(only(json, "aws_ecr_repository")).toMatchObject({
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY }],
    });
  });

  it("fails on a non-positive image count", () => {
    expect(() => synthModule((scope) => new ContainerRegistry(scope, "r", { repositoryName: "x", kmsKeyArn: KEY, maxImageCount: 0 }))).toThrow(
      "ContainerRegistry x: maxImageCount must be an integer >= 1, got 0",
    );
  });
});

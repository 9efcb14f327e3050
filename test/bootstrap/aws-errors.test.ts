import { describeAwsError, errorCode, isNotFound } from "../../bootstrap/aws-errors";

const sdkError = (name: string, status: number, message = "") => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("errorCode", () => {
  test.each([
    [sdkError("AccessDenied", 403), "AccessDenied"],
    [Object.assign(new Error("x"), { name: "CredentialsProviderError" }), "NoCredentials"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "ECONNREFUSED"],
    [sdkError("Error", 500), "HTTP500"],
    ["a string", "UnknownError"],
  ])("%p → %s", (err, code) => {
    expect(errorCode(err)).toBe(code);
  });
});

describe("isNotFound", () => {
  test.each(["NoSuchBucket", "NoSuchEntity", "ResourceNotFoundException", "NotFoundException", "ServerSideEncryptionConfigurationNotFoundError"])("%s means absent", (name) => {
    expect(isNotFound(sdkError(name, 400))).toBe(true);
  });

  test("a bare 404 (HeadBucket has no body) means absent", () => {
    expect(isNotFound(sdkError("UnknownError", 404))).toBe(true);
  });

  test("access denied does not mean absent: bootstrap must not try to create what it cannot see", () => {
    expect(isNotFound(sdkError("AccessDenied", 403))).toBe(false);
  });
});

describe("describeAwsError", () => {
  test("keeps the code and the first line of the message", () => {
    expect(describeAwsError(sdkError("AccessDenied", 403, "Access Denied\n<xml/>"))).toBe("AccessDenied: Access Denied");
  });
});

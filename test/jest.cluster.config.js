// `helm install` onto a real Kubernetes cluster (tools/cluster): its own stage of tools/test.sh,
// with its own Kafka, Redis and DynamoDB Local (listening on the cluster bridge too), so no
// shared-stack global setup here.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e:cluster',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.cluster-spec.ts'],
  testTimeout: 600000,
};

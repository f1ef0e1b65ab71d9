// Real-cluster tests wait for controllers; each waits with its own deadline well below this.
jest.setTimeout(120_000);

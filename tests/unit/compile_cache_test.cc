// The compile cache on a real directory: keys, store and restore, LRU eviction under the size
// bound, atomic entries, damaged entries as misses, languages kept apart, concurrent stores.
#include "polyrun/compile_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "polyrun/job_executor.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string keyOf(const std::string& text) { return CacheKey().add(text).hex(); }

class CompileCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<CompileCache> open(int64_t max_bytes = 1 << 20) {
    std::unique_ptr<CompileCache> cache;
    EXPECT_EQ(CompileCache::open({cache_dir(), max_bytes}, &cache).message(), "");
    EXPECT_TRUE(cache);
    return cache;
  }
  std::string cache_dir() const { return (fs::path(tmp_.path()) / "cache").string(); }
  // A fresh work directory holding `files`.
  std::string work(const std::vector<std::pair<std::string, std::string>>& files) {
    const fs::path dir = fs::path(tmp_.path()) / ("work" + std::to_string(++works_));
    fs::create_directories(dir);
    for (const auto& [name, content] : files) writeFile(dir / name, content);
    return dir.string();
  }
  test::TempDir tmp_;
  int works_ = 0;
};

TEST(CacheKeyTest, IsStableAndSeparatesFields) {
  EXPECT_EQ(CacheKey().add("a").add("bc").hex(), CacheKey().add("a").add("bc").hex());
  EXPECT_NE(CacheKey().add("a").add("bc").hex(), CacheKey().add("ab").add("c").hex());
  EXPECT_EQ(CacheKey().add("x").hex().size(), 64u);
  // The SHA-256 of "abc", from FIPS 180-2.
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CacheKeyTest, CompileKeyDependsOnEverythingThatDecidesTheBuild) {
  RunnerInfo info{"c", "12.2.0", {}, {".c"}, true};
  Prepared p;
  p.files = {{"main.c", "int main(){}", false}, {"util.h", "#define X 1", false}};
  p.compile = Command{{"/usr/bin/gcc", "-O2", "-o", "main", "main.c"}, {}};
  p.artifacts = {"main"};
  const std::string base = compileCacheKey(info, p);
  EXPECT_EQ(compileCacheKey(info, p), base);

  Prepared reordered = p;
  std::swap(reordered.files[0], reordered.files[1]);
  EXPECT_EQ(compileCacheKey(info, reordered), base) << "file order is not part of the build";
  Prepared other_run = p;
  other_run.run.argv = {"./main", "arg"};
  EXPECT_EQ(compileCacheKey(info, other_run), base) << "the run command is not part of the build";

  auto differs = [&](auto change) {
    RunnerInfo i = info;
    Prepared q = p;
    change(i, q);
    return compileCacheKey(i, q) != base;
  };
  EXPECT_TRUE(differs([](RunnerInfo& i, Prepared&) { i.language = "c++"; }));
  EXPECT_TRUE(differs([](RunnerInfo& i, Prepared&) { i.version = "12.3.0"; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.compile->argv[1] = "-O0"; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.compile->env = {"X=1"}; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.files[0].content += " "; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.files[1].path = "other.h"; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.files[1].executable = true; }));
  EXPECT_TRUE(differs([](RunnerInfo&, Prepared& q) { q.artifacts = {"*.o"}; }));
}

TEST_F(CompileCacheTest, StoreThenRestoreGivesTheSameFilesAndCompilerOutput) {
  auto cache = open();
  const std::string built = work({{"main.c", "src"}, {"main", "BINARY"}});
  ::chmod((fs::path(built) / "main").c_str(), 0755);
  std::string why;
  ASSERT_TRUE(cache->store("c", keyOf("1"), built, {"main"}, "out", "warning: x\n", &why)) << why;

  const std::string fresh = work({{"main.c", "src"}});
  CachedCompile hit;
  ASSERT_TRUE(cache->restore("c", keyOf("1"), fresh, &hit));
  EXPECT_EQ(readFile(fs::path(fresh) / "main"), "BINARY");
  EXPECT_EQ(::access((fs::path(fresh) / "main").c_str(), X_OK), 0)
      << "the program stays executable";
  EXPECT_EQ(hit.stdout_data, "out");
  EXPECT_EQ(hit.stderr_data, "warning: x\n");
  EXPECT_EQ(hit.bytes, 6);
  EXPECT_EQ(cache->stats().hits, 1);
  EXPECT_FALSE(fs::exists(fs::path(fresh) / "main.c.cached")) << "nothing but the artifacts";
}

TEST_F(CompileCacheTest, UnknownKeyIsAMiss) {
  auto cache = open();
  CachedCompile hit;
  EXPECT_FALSE(cache->restore("c", keyOf("nothing"), work({}), &hit));
  EXPECT_FALSE(cache->restore("c", "../../etc", work({}), &hit)) << "a key is never a path";
  EXPECT_EQ(cache->stats().misses, 2);
}

TEST_F(CompileCacheTest, PatternsTakeNestedFilesAndLeaveSourcesAndLinks) {
  auto cache = open();
  const std::string built = work(
      {{"Main.java", "src"}, {"Main.class", "A"}, {"Main$1.class", "B"}, {"pkg/Util.class", "C"}});
  fs::create_symlink("/etc/hostname", fs::path(built) / "Evil.class");
  std::string why;
  ASSERT_TRUE(cache->store("java", keyOf("j"), built, {"*.class"}, "", "", &why)) << why;
  const std::string fresh = work({});
  CachedCompile hit;
  ASSERT_TRUE(cache->restore("java", keyOf("j"), fresh, &hit));
  EXPECT_EQ(readFile(fs::path(fresh) / "Main.class"), "A");
  EXPECT_EQ(readFile(fs::path(fresh) / "Main$1.class"), "B");
  EXPECT_EQ(readFile(fs::path(fresh) / "pkg/Util.class"), "C");
  EXPECT_FALSE(fs::exists(fs::path(fresh) / "Main.java"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(fs::path(fresh) / "Evil.class")))
      << "a link is never followed";
}

TEST_F(CompileCacheTest, MissingExactArtifactOrNoMatchStoresNothing) {
  auto cache = open();
  std::string why;
  EXPECT_FALSE(cache->store("c", keyOf("1"), work({{"main.c", "src"}}), {"main"}, "", "", &why));
  EXPECT_NE(why.find("main"), std::string::npos) << why;
  EXPECT_FALSE(
      cache->store("java", keyOf("2"), work({{"A.java", "src"}}), {"*.class"}, "", "", &why));
  EXPECT_EQ(cache->stats().entries, 0);
}

TEST_F(CompileCacheTest, LanguagesNeverShareAnEntry) {
  auto cache = open();
  std::string why;
  ASSERT_TRUE(
      cache->store("c", keyOf("same"), work({{"main", "C-BINARY"}}), {"main"}, "", "", &why));
  CachedCompile hit;
  EXPECT_FALSE(cache->restore("c++", keyOf("same"), work({}), &hit));
  EXPECT_TRUE(cache->restore("c", keyOf("same"), work({}), &hit));
}

TEST_F(CompileCacheTest, EvictsTheLeastRecentlyUsedToStayUnderTheBound) {
  auto cache = open(/*max_bytes=*/250);
  std::string why;
  const std::string hundred(100, 'x');
  ASSERT_TRUE(cache->store("c", keyOf("a"), work({{"main", hundred}}), {"main"}, "", "", &why));
  ASSERT_TRUE(cache->store("c", keyOf("b"), work({{"main", hundred}}), {"main"}, "", "", &why));
  CachedCompile hit;
  ASSERT_TRUE(cache->restore("c", keyOf("a"), work({}), &hit));  // a is now more recent than b
  ASSERT_TRUE(cache->store("c", keyOf("c"), work({{"main", hundred}}), {"main"}, "", "", &why));

  EXPECT_LE(cache->stats().bytes, 250);
  EXPECT_EQ(cache->stats().evictions, 1);
  EXPECT_TRUE(cache->restore("c", keyOf("a"), work({}), &hit));
  EXPECT_FALSE(cache->restore("c", keyOf("b"), work({}), &hit)) << "b was the least recently used";
  EXPECT_TRUE(cache->restore("c", keyOf("c"), work({}), &hit));
  EXPECT_FALSE(fs::exists(fs::path(cache_dir()) / "c" / keyOf("b"))) << "its files are gone too";
}

TEST_F(CompileCacheTest, AnEntryLargerThanTheBoundIsNotStored) {
  auto cache = open(/*max_bytes=*/10);
  std::string why;
  EXPECT_FALSE(cache->store("c", keyOf("big"), work({{"main", std::string(11, 'x')}}), {"main"}, "",
                            "", &why));
  EXPECT_NE(why.find("max_bytes"), std::string::npos) << why;
}

TEST_F(CompileCacheTest, EntriesAndTheirOrderSurviveAReopen) {
  std::string why;
  {
    auto cache = open();
    ASSERT_TRUE(cache->store("c", keyOf("a"), work({{"main", "A"}}), {"main"}, "", "", &why));
  }
  auto cache = open();
  EXPECT_EQ(cache->stats().entries, 1);
  EXPECT_EQ(cache->stats().bytes, 1);
  CachedCompile hit;
  EXPECT_TRUE(cache->restore("c", keyOf("a"), work({}), &hit));
}

TEST_F(CompileCacheTest, DamagedEntriesAreMissesAndAreDropped) {
  auto cache = open();
  std::string why;
  const fs::path entry_dir = fs::path(cache_dir()) / "c";
  for (const char* key : {"truncated", "no-file", "bad-manifest"})
    ASSERT_TRUE(cache->store("c", keyOf(key), work({{"main", "BINARY"}}), {"main"}, "", "", &why));
  writeFile(entry_dir / keyOf("truncated") / "files" / "main", "BIN");
  fs::remove(entry_dir / keyOf("no-file") / "files" / "main");
  writeFile(entry_dir / keyOf("bad-manifest") / "entry.json", "{not json");

  for (const char* key : {"truncated", "no-file", "bad-manifest"}) {
    const std::string fresh = work({{"main.c", "src"}});
    CachedCompile hit;
    EXPECT_FALSE(cache->restore("c", keyOf(key), fresh, &hit)) << key;
    EXPECT_FALSE(fs::exists(fs::path(fresh) / "main")) << key << ": half a restore is undone";
    EXPECT_FALSE(fs::exists(entry_dir / keyOf(key))) << key << ": a damaged entry is dropped";
    // The next compile stores it again.
    EXPECT_TRUE(cache->store("c", keyOf(key), work({{"main", "BINARY"}}), {"main"}, "", "", &why))
        << why;
    EXPECT_TRUE(cache->restore("c", keyOf(key), work({}), &hit)) << key;
  }
}

TEST_F(CompileCacheTest, LeftoversOfAnInterruptedStoreAreNotEntries) {
  writeFile(fs::path(cache_dir()) / ".tmp" / "123-1" / "files" / "main", "half");
  writeFile(fs::path(cache_dir()) / "c" / keyOf("x") / "files" / "main", "no manifest");
  auto cache = open();
  EXPECT_EQ(cache->stats().entries, 0);
  EXPECT_FALSE(fs::exists(fs::path(cache_dir()) / ".tmp" / "123-1"));
  CachedCompile hit;
  EXPECT_FALSE(cache->restore("c", keyOf("x"), work({}), &hit));
}

TEST_F(CompileCacheTest, TwoIdenticalStoresAtOnceLeaveOneCompleteEntry) {
  auto cache = open();
  const std::string key = keyOf("race");
  constexpr int kThreads = 8;
  std::vector<std::string> dirs;
  for (int i = 0; i < kThreads; ++i) dirs.push_back(work({{"main", std::string(4096, 'z')}}));
  std::vector<int> ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string why;
      ok[i] = cache->store("c", key, dirs[i], {"main"}, "", "", &why);
      CachedCompile hit;
      const std::string fresh = dirs[i] + "-restored";
      fs::create_directories(fresh);
      if (cache->restore("c", key, fresh, &hit) &&
          readFile(fs::path(fresh) / "main").size() != 4096)
        ok[i] = 0;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(ok[i]) << "thread " << i;
  EXPECT_EQ(cache->stats().entries, 1);
  EXPECT_EQ(cache->stats().bytes, 4096);
  EXPECT_TRUE(fs::is_empty(fs::path(cache_dir()) / ".tmp")) << "no temporary directory is left";
}

TEST_F(CompileCacheTest, UnwritableDirectoryIsAClearError) {
  writeFile(fs::path(tmp_.path()) / "file", "x");
  std::unique_ptr<CompileCache> cache;
  const Status status =
      CompileCache::open({(fs::path(tmp_.path()) / "file" / "cache").string(), 1}, &cache);
  EXPECT_FALSE(cache);
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find("slave.cache.dir"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace polyrun

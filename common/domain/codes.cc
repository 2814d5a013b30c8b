// Code checks over static tables. See codes.h.
#include "common/domain/codes.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace cw::domain {
namespace {

// GB 32100-2015: the 31 characters of the code, in value order (no I, O, S, V, Z).
constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};
constexpr int kUsccLength = 18;

// The value of each byte in kUsccAlphabet (its index), -1 for bytes outside it: one table
// load per character instead of a search of the alphabet (USCCs are checked for every
// pushed record and each of its counterparties).
constexpr std::array<int8_t, 256> kUsccValue = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (size_t i = 0; i < kUsccAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kUsccAlphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}();

int UsccValue(char c) { return kUsccValue[static_cast<unsigned char>(c)]; }

struct CodeName {
  std::string_view code;
  std::string_view name;
};

// GB/T 4754-2017: the 97 divisions (大类) with the sections (门类) they belong to.
constexpr CodeName kDivisions[] = {
    // A 农、林、牧、渔业
    {"01", "农业"},
    {"02", "林业"},
    {"03", "畜牧业"},
    {"04", "渔业"},
    {"05", "农、林、牧、渔专业及辅助性活动"},
    // B 采矿业
    {"06", "煤炭开采和洗选业"},
    {"07", "石油和天然气开采业"},
    {"08", "黑色金属矿采选业"},
    {"09", "有色金属矿采选业"},
    {"10", "非金属矿采选业"},
    {"11", "开采专业及辅助性活动"},
    {"12", "其他采矿业"},
    // C 制造业
    {"13", "农副食品加工业"},
    {"14", "食品制造业"},
    {"15", "酒、饮料和精制茶制造业"},
    {"16", "烟草制品业"},
    {"17", "纺织业"},
    {"18", "纺织服装、服饰业"},
    {"19", "皮革、毛皮、羽毛及其制品和制鞋业"},
    {"20", "木材加工和木、竹、藤、棕、草制品业"},
    {"21", "家具制造业"},
    {"22", "造纸和纸制品业"},
    {"23", "印刷和记录媒介复制业"},
    {"24", "文教、工美、体育和娱乐用品制造业"},
    {"25", "石油、煤炭及其他燃料加工业"},
    {"26", "化学原料和化学制品制造业"},
    {"27", "医药制造业"},
    {"28", "化学纤维制造业"},
    {"29", "橡胶和塑料制品业"},
    {"30", "非金属矿物制品业"},
    {"31", "黑色金属冶炼和压延加工业"},
    {"32", "有色金属冶炼和压延加工业"},
    {"33", "金属制品业"},
    {"34", "通用设备制造业"},
    {"35", "专用设备制造业"},
    {"36", "汽车制造业"},
    {"37", "铁路、船舶、航空航天和其他运输设备制造业"},
    {"38", "电气机械和器材制造业"},
    {"39", "计算机、通信和其他电子设备制造业"},
    {"40", "仪器仪表制造业"},
    {"41", "其他制造业"},
    {"42", "废弃资源综合利用业"},
    {"43", "金属制品、机械和设备修理业"},
    // D 电力、热力、燃气及水生产和供应业
    {"44", "电力、热力生产和供应业"},
    {"45", "燃气生产和供应业"},
    {"46", "水的生产和供应业"},
    // E 建筑业
    {"47", "房屋建筑业"},
    {"48", "土木工程建筑业"},
    {"49", "建筑安装业"},
    {"50", "建筑装饰、装修和其他建筑业"},
    // F 批发和零售业
    {"51", "批发业"},
    {"52", "零售业"},
    // G 交通运输、仓储和邮政业
    {"53", "铁路运输业"},
    {"54", "道路运输业"},
    {"55", "水上运输业"},
    {"56", "航空运输业"},
    {"57", "管道运输业"},
    {"58", "多式联运和运输代理业"},
    {"59", "装卸搬运和仓储业"},
    {"60", "邮政业"},
    // H 住宿和餐饮业
    {"61", "住宿业"},
    {"62", "餐饮业"},
    // I 信息传输、软件和信息技术服务业
    {"63", "电信、广播电视和卫星传输服务"},
    {"64", "互联网和相关服务"},
    {"65", "软件和信息技术服务业"},
    // J 金融业
    {"66", "货币金融服务"},
    {"67", "资本市场服务"},
    {"68", "保险业"},
    {"69", "其他金融业"},
    // K 房地产业
    {"70", "房地产业"},
    // L 租赁和商务服务业
    {"71", "租赁业"},
    {"72", "商务服务业"},
    // M 科学研究和技术服务业
    {"73", "研究和试验发展"},
    {"74", "专业技术服务业"},
    {"75", "科技推广和应用服务业"},
    // N 水利、环境和公共设施管理业
    {"76", "水利管理业"},
    {"77", "生态保护和环境治理业"},
    {"78", "公共设施管理业"},
    {"79", "土地管理业"},
    // O 居民服务、修理和其他服务业
    {"80", "居民服务业"},
    {"81", "机动车、电子产品和日用产品修理业"},
    {"82", "其他服务业"},
    // P 教育
    {"83", "教育"},
    // Q 卫生和社会工作
    {"84", "卫生"},
    {"85", "社会工作"},
    // R 文化、体育和娱乐业
    {"86", "新闻和出版业"},
    {"87", "广播、电视、电影和录音制作业"},
    {"88", "文化艺术业"},
    {"89", "体育"},
    {"90", "娱乐业"},
    // S 公共管理、社会保障和社会组织
    {"91", "中国共产党机关"},
    {"92", "国家机构"},
    {"93", "人民政协、民主党派"},
    {"94", "社会保障"},
    {"95", "群众团体、社会团体和其他成员组织"},
    {"96", "基层群众自治组织及其他组织"},
    // T 国际组织
    {"97", "国际组织"},
};
static_assert(std::size(kDivisions) == 97, "GB/T 4754-2017 has 97 divisions");

// GB/T 2260: the 34 province-level divisions, by their two-digit code.
constexpr CodeName kProvinces[] = {
    {"11", "北京市"},       {"12", "天津市"},         {"13", "河北省"},
    {"14", "山西省"},       {"15", "内蒙古自治区"},   {"21", "辽宁省"},
    {"22", "吉林省"},       {"23", "黑龙江省"},       {"31", "上海市"},
    {"32", "江苏省"},       {"33", "浙江省"},         {"34", "安徽省"},
    {"35", "福建省"},       {"36", "江西省"},         {"37", "山东省"},
    {"41", "河南省"},       {"42", "湖北省"},         {"43", "湖南省"},
    {"44", "广东省"},       {"45", "广西壮族自治区"}, {"46", "海南省"},
    {"50", "重庆市"},       {"51", "四川省"},         {"52", "贵州省"},
    {"53", "云南省"},       {"54", "西藏自治区"},     {"61", "陕西省"},
    {"62", "甘肃省"},       {"63", "青海省"},         {"64", "宁夏回族自治区"},
    {"65", "新疆维吾尔自治区"}, {"71", "台湾省"},     {"81", "香港特别行政区"},
    {"82", "澳门特别行政区"},
};
static_assert(std::size(kProvinces) == 34, "GB/T 2260 has 34 province-level divisions");

// Prefectures and counties named in domain.md (the seed regions), and their parents.
constexpr CodeName kSeedRegions[] = {
    {"220100", "长春市"},         {"222400", "延边朝鲜族自治州"}, {"222401", "延吉市"},
    {"222402", "图们市"},         {"222403", "敦化市"},           {"222404", "珲春市"},
    {"222405", "龙井市"},         {"222406", "和龙市"},           {"222424", "汪清县"},
    {"222426", "安图县"},         {"321000", "扬州市"},           {"321023", "宝应县"},
    {"321200", "泰州市"},         {"321282", "靖江市"},           {"421000", "荆州市"},
    {"421003", "荆州区"},
};

template <size_t N>
std::string_view Find(const CodeName (&table)[N], std::string_view code) {
  for (const CodeName& entry : table) {
    if (entry.code == code) return entry.name;
  }
  return "";
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

std::optional<char> UsccCheckChar(std::string_view first17) {
  if (first17.size() != kUsccWeights.size()) return std::nullopt;
  int sum = 0;
  for (size_t i = 0; i < first17.size(); ++i) {
    const int value = UsccValue(first17[i]);
    if (value < 0) return std::nullopt;
    sum += value * kUsccWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return kUsccAlphabet[check];
}

absl::Status ValidateUscc(std::string_view uscc) {
  if (uscc.size() != kUsccLength) {
    return absl::InvalidArgumentError(
        absl::StrFormat("USCC '%s' has %d characters (expected 18)", uscc, uscc.size()));
  }
  for (size_t i = 0; i < uscc.size(); ++i) {
    if (static_cast<unsigned char>(uscc[i]) >= 0x80) {
      // Part of a multi-byte character: quoting the byte alone would not be UTF-8.
      return absl::InvalidArgumentError(absl::StrFormat(
          "USCC '%s': byte %d is not ASCII (expected 18 characters, each one of %s)", uscc,
          i + 1, kUsccAlphabet));
    }
    if (UsccValue(uscc[i]) < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "USCC '%s': character %d is '%c' (expected one of %s)", uscc, i + 1, uscc[i],
          kUsccAlphabet));
    }
  }
  const char expected = *UsccCheckChar(uscc.substr(0, 17));
  if (uscc[17] != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "USCC '%s': check character is %c, expected %c", uscc, uscc[17], expected));
  }
  return absl::OkStatus();
}

std::string UsccRegion(std::string_view uscc) {
  if (uscc.size() < 8) return "";
  return std::string(uscc.substr(2, 6));
}

absl::Status ValidateIndustryClass(std::string_view code) {
  if (code.size() != 4 || !AllDigits(code)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "industry class '%s' is not four digits (expected a GB/T 4754-2017 class such as "
        "3041)",
        code));
  }
  const std::string_view division = code.substr(0, 2);
  if (IndustryDivisionName(division).empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "industry class '%s': division %s does not exist (expected a GB/T 4754-2017 division "
        "01..97)",
        code, division));
  }
  return absl::OkStatus();
}

std::string_view IndustryDivisionName(std::string_view division) {
  return Find(kDivisions, division);
}

absl::Status ValidateRegionCode(std::string_view code) {
  if (code.size() != 6 || !AllDigits(code)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "region code '%s' is not six digits (expected a GB/T 2260 code such as 222401)", code));
  }
  const std::string_view province = code.substr(0, 2);
  if (Find(kProvinces, province).empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "region code '%s': province %s does not exist (expected a GB/T 2260 province code "
        "such as 22)",
        code, province));
  }
  if (code.substr(2, 2) == "00" && code.substr(4, 2) != "00") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "region code '%s': county digits %s under prefecture digits 00 (expected xx0000 for a "
        "province, xxxx00 for a prefecture, or a county under a prefecture)",
        code, code.substr(4, 2)));
  }
  return absl::OkStatus();
}

std::string_view RegionName(std::string_view code) {
  if (code.size() != 6 || !AllDigits(code)) return "";
  if (code.substr(2) == "0000") return Find(kProvinces, code.substr(0, 2));
  return Find(kSeedRegions, code);
}

}  // namespace cw::domain

#include "common/domain/codes.h"
#include "common/domain/csv.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {

// The published check characters are computed from the first 17 characters.
TEST(UsccTest, CheckCharOfPublishedVectors) {
  EXPECT_EQ(UsccCheckChar("91110000600037341"), 'L');
  EXPECT_EQ(UsccCheckChar("91310115MA1K3BTP2"), 'B');
  // A sum that is a multiple of 31 gives check value 0.
  EXPECT_EQ(UsccCheckChar("00000000000000000"), '0');
}

// Characters outside the alphabet, or a wrong length, have no check character.
TEST(UsccTest, CheckCharNeedsSeventeenAlphabetCharacters) {
  EXPECT_EQ(UsccCheckChar("9111000060003734I"), std::nullopt);  // I is not used
  EXPECT_EQ(UsccCheckChar("9111000060003734O"), std::nullopt);
  EXPECT_EQ(UsccCheckChar("91110000600037341a"), std::nullopt);
  EXPECT_EQ(UsccCheckChar("9111000060003734"), std::nullopt);
  EXPECT_EQ(UsccCheckChar(""), std::nullopt);
}

// The two published valid codes pass.
TEST(UsccTest, ValidCodesPass) {
  EXPECT_TRUE(ValidateUscc("91110000600037341L").ok());
  EXPECT_TRUE(ValidateUscc("91310115MA1K3BTP2B").ok());
}

// A wrong check character is reported with the expected one.
TEST(UsccTest, WrongCheckCharacter) {
  absl::Status s = ValidateUscc("91110000600037341N");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "USCC '91110000600037341N': check character is N, expected L");
}

// A wrong length names the length.
TEST(UsccTest, WrongLength) {
  absl::Status s = ValidateUscc("91110000600037341");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "USCC '91110000600037341' has 17 characters (expected 18)");
  EXPECT_EQ(ValidateUscc("").message(), "USCC '' has 0 characters (expected 18)");
}

// A character outside the alphabet names its position.
TEST(UsccTest, CharacterOutsideAlphabet) {
  absl::Status s = ValidateUscc("91310115ma1K3BTP2B");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "USCC '91310115ma1K3BTP2B': character 9 is 'm' (expected one of "
            "0123456789ABCDEFGHJKLMNPQRTUWXY)");
  EXPECT_EQ(ValidateUscc("91110000600037341I").code(), absl::StatusCode::kInvalidArgument);
}

// A multi-byte character names the byte where it starts and quotes the whole code only, so
// the message stays UTF-8 (it becomes a rejection reason, a proto3 string).
TEST(UsccTest, MultiByteCharacterKeepsTheMessageUtf8) {
  absl::Status s = ValidateUscc("91110000600037年L");  // 18 bytes
  EXPECT_EQ(s.message(),
            "USCC '91110000600037年L': byte 15 is not ASCII (expected 18 characters, each one "
            "of 0123456789ABCDEFGHJKLMNPQRTUWXY)");
  EXPECT_TRUE(IsValidUtf8(std::string(s.message())));
}

// Every byte value: exactly the 31 alphabet characters are accepted at any position, and
// the check character follows the alphabet's value order (the lookup table agrees with
// GB 32100's alphabet for all 256 bytes, including NUL and non-ASCII bytes).
TEST(UsccTest, EveryByteAgainstTheAlphabet) {
  const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool in = alphabet.find(c) != std::string::npos;
    std::string first17 = "9111000060003734";
    first17.insert(first17.begin() + 5, c);
    ASSERT_EQ(first17.size(), 17u);
    EXPECT_EQ(UsccCheckChar(first17).has_value(), in) << "byte " << b;
    if (in) {
      const std::string uscc = first17 + *UsccCheckChar(first17);
      EXPECT_TRUE(ValidateUscc(uscc).ok()) << uscc;
      // The check character from the alphabet's value order, computed independently.
      int sum = 0;
      for (int i = 0; i < 17; ++i) {
        static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                             29, 25, 13, 8,  24, 10, 30, 28};
        sum += static_cast<int>(alphabet.find(first17[i])) * kWeights[i];
      }
      EXPECT_EQ(*UsccCheckChar(first17), alphabet[(31 - sum % 31) % 31]) << first17;
    } else {
      std::string uscc = "91110000600037341L";
      uscc[5] = c;
      EXPECT_EQ(ValidateUscc(uscc).code(), absl::StatusCode::kInvalidArgument) << "byte " << b;
    }
  }
}

// Positions 3–8 are the region code.
TEST(UsccTest, Region) {
  EXPECT_EQ(UsccRegion("91310115MA1K3BTP2B"), "310115");
  EXPECT_EQ(UsccRegion("91110000600037341L"), "110000");
  EXPECT_EQ(UsccRegion("91"), "");
}

// All 97 divisions 01..97 exist and have names; 00 and 98/99 do not.
TEST(IndustryTest, AllNinetySevenDivisions) {
  int named = 0;
  for (int d = 0; d <= 99; ++d) {
    const std::string code = absl::StrFormat("%02d", d);
    if (!IndustryDivisionName(code).empty()) ++named;
    EXPECT_EQ(IndustryDivisionName(code).empty(), d < 1 || d > 97) << code;
  }
  EXPECT_EQ(named, 97);
}

// Division names follow GB/T 4754-2017, across the sections.
TEST(IndustryTest, DivisionNames) {
  EXPECT_EQ(IndustryDivisionName("01"), "农业");
  EXPECT_EQ(IndustryDivisionName("05"), "农、林、牧、渔专业及辅助性活动");
  EXPECT_EQ(IndustryDivisionName("11"), "开采专业及辅助性活动");
  EXPECT_EQ(IndustryDivisionName("13"), "农副食品加工业");
  EXPECT_EQ(IndustryDivisionName("17"), "纺织业");
  EXPECT_EQ(IndustryDivisionName("22"), "造纸和纸制品业");
  EXPECT_EQ(IndustryDivisionName("27"), "医药制造业");
  EXPECT_EQ(IndustryDivisionName("30"), "非金属矿物制品业");
  EXPECT_EQ(IndustryDivisionName("34"), "通用设备制造业");
  EXPECT_EQ(IndustryDivisionName("35"), "专用设备制造业");
  EXPECT_EQ(IndustryDivisionName("36"), "汽车制造业");
  EXPECT_EQ(IndustryDivisionName("37"), "铁路、船舶、航空航天和其他运输设备制造业");
  EXPECT_EQ(IndustryDivisionName("38"), "电气机械和器材制造业");
  EXPECT_EQ(IndustryDivisionName("39"), "计算机、通信和其他电子设备制造业");
  EXPECT_EQ(IndustryDivisionName("43"), "金属制品、机械和设备修理业");
  EXPECT_EQ(IndustryDivisionName("44"), "电力、热力生产和供应业");
  EXPECT_EQ(IndustryDivisionName("58"), "多式联运和运输代理业");
  EXPECT_EQ(IndustryDivisionName("65"), "软件和信息技术服务业");
  EXPECT_EQ(IndustryDivisionName("70"), "房地产业");
  EXPECT_EQ(IndustryDivisionName("83"), "教育");
  EXPECT_EQ(IndustryDivisionName("96"), "基层群众自治组织及其他组织");
  EXPECT_EQ(IndustryDivisionName("97"), "国际组织");
  EXPECT_EQ(IndustryDivisionName("3"), "");
  EXPECT_EQ(IndustryDivisionName("304"), "");
}

// Four-digit classes in an existing division are valid.
TEST(IndustryTest, ValidClasses) {
  for (const char* code : {"3041", "3051", "0111", "1610", "3731", "9700"}) {
    EXPECT_TRUE(ValidateIndustryClass(code).ok()) << code;
  }
}

// A code that is not four digits is refused with an example.
TEST(IndustryTest, NotFourDigits) {
  for (const char* code : {"304", "30411", "30a1", "", "C304", "３０４１"}) {
    absl::Status s = ValidateIndustryClass(code);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << code;
  }
  EXPECT_EQ(ValidateIndustryClass("304").message(),
            "industry class '304' is not four digits (expected a GB/T 4754-2017 class such as "
            "3041)");
}

// A class in a division that does not exist is refused naming the division.
TEST(IndustryTest, UnknownDivision) {
  absl::Status s = ValidateIndustryClass("9901");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "industry class '9901': division 99 does not exist (expected a GB/T 4754-2017 "
            "division 01..97)");
  EXPECT_EQ(ValidateIndustryClass("0012").code(), absl::StatusCode::kInvalidArgument);
}

// All 34 province-level codes are known by name; neighbouring numbers are not.
TEST(RegionTest, ThirtyFourProvinces) {
  int known = 0;
  for (int p = 10; p <= 99; ++p) {
    const std::string code = absl::StrFormat("%02d0000", p);
    if (!RegionName(code).empty()) {
      ++known;
      EXPECT_TRUE(ValidateRegionCode(code).ok()) << code;
    } else {
      EXPECT_EQ(ValidateRegionCode(code).code(), absl::StatusCode::kInvalidArgument) << code;
    }
  }
  EXPECT_EQ(known, 34);
  EXPECT_EQ(RegionName("110000"), "北京市");
  EXPECT_EQ(RegionName("220000"), "吉林省");
  EXPECT_EQ(RegionName("320000"), "江苏省");
  EXPECT_EQ(RegionName("420000"), "湖北省");
  EXPECT_EQ(RegionName("650000"), "新疆维吾尔自治区");
  EXPECT_EQ(RegionName("710000"), "台湾省");
  EXPECT_EQ(RegionName("810000"), "香港特别行政区");
  EXPECT_EQ(RegionName("820000"), "澳门特别行政区");
}

// The seed regions of domain.md have their names.
TEST(RegionTest, SeedRegionNames) {
  EXPECT_EQ(RegionName("222400"), "延边朝鲜族自治州");
  EXPECT_EQ(RegionName("222401"), "延吉市");
  EXPECT_EQ(RegionName("222402"), "图们市");
  EXPECT_EQ(RegionName("222403"), "敦化市");
  EXPECT_EQ(RegionName("222404"), "珲春市");
  EXPECT_EQ(RegionName("222405"), "龙井市");
  EXPECT_EQ(RegionName("222406"), "和龙市");
  EXPECT_EQ(RegionName("222424"), "汪清县");
  EXPECT_EQ(RegionName("222426"), "安图县");
  EXPECT_EQ(RegionName("321282"), "靖江市");
  EXPECT_EQ(RegionName("321200"), "泰州市");
  EXPECT_EQ(RegionName("321023"), "宝应县");
  EXPECT_EQ(RegionName("321000"), "扬州市");
  EXPECT_EQ(RegionName("421003"), "荆州区");
  EXPECT_EQ(RegionName("421000"), "荆州市");
  EXPECT_EQ(RegionName("999999"), "");
  EXPECT_EQ(RegionName("2224"), "");
}

// Well-formed six-digit codes under a known province are valid, named or not.
TEST(RegionTest, ValidCodes) {
  for (const char* code : {"222401", "222400", "321282", "421003", "110101", "220000"}) {
    EXPECT_TRUE(ValidateRegionCode(code).ok()) << code;
  }
}

// Malformed codes are refused with the reason.
TEST(RegionTest, InvalidCodes) {
  EXPECT_EQ(ValidateRegionCode("22240").message(),
            "region code '22240' is not six digits (expected a GB/T 2260 code such as 222401)");
  EXPECT_EQ(ValidateRegionCode("22240a").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRegionCode("992401").message(),
            "region code '992401': province 99 does not exist (expected a GB/T 2260 province "
            "code such as 22)");
  EXPECT_EQ(ValidateRegionCode("220012").message(),
            "region code '220012': county digits 12 under prefecture digits 00 (expected "
            "xx0000 for a province, xxxx00 for a prefecture, or a county under a prefecture)");
}

}  // namespace
}  // namespace cw::domain

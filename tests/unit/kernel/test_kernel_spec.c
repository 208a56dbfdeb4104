/* convtool_kernel_spec_parse / load_file: nested lists by rank, printed tensors, weights. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

static convtool_status parse(const char *text, convtool_kernel_spec *spec,
                             convtool_parse_error *err)
{
    return convtool_kernel_spec_parse(text, strlen(text), "w", CONVTOOL_KERNEL_FORMAT_AUTO, spec,
                                      err);
}

static void expect_weight(const char *text, int o, int cpg, int h, int w, const float *want)
{
    convtool_kernel_spec spec;
    convtool_parse_error err;
    convtool_status st = parse(text, &spec, &err);
    if (st != CONVTOOL_OK)
        print_error("unexpected error %d:%d: %s for [%s]\n", err.line, err.column, err.message,
                    text);
    assert_int_equal(st, CONVTOOL_OK);
    assert_true(spec.is_weight);
    assert_int_equal(spec.weight.o, o);
    assert_int_equal(spec.weight.c_per_group, cpg);
    assert_int_equal(spec.weight.h, h);
    assert_int_equal(spec.weight.w, w);
    for (int i = 0; i < o * cpg * h * w; i++)
        assert_true(fabsf(spec.weight.values[i] - want[i]) < 1e-6f);
    assert_string_equal(spec.name, "w");
    convtool_kernel_spec_free(&spec);
    assert_null(spec.weight.values);
}

static void expect_error(const char *text, int line, int column, const char *msg)
{
    convtool_kernel_spec spec;
    convtool_parse_error err;
    convtool_status st = parse(text, &spec, &err);
    assert_int_equal(st, CONVTOOL_EPARSE);
    if (strcmp(err.message, msg) != 0 || err.line != line || err.column != column)
        print_error("got %d:%d: %s\nwant %d:%d: %s\nfor [%s]\n", err.line, err.column,
                    err.message, line, column, msg, text);
    assert_string_equal(err.message, msg);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_false(spec.is_weight);
    assert_null(spec.bank.kernels);
}

static void test_weights(void **state)
{
    (void)state;
    static const float eight[] = {1, 2, 3, 4, 5, 6, 7, 8};
    expect_weight("[[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]", 2, 1, 2, 2, eight);
    expect_weight("[[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]]", 2, 2, 1, 2, eight);
    /* torch's print: blank lines, aligned columns, a dtype and requires_grad tail */
    expect_weight("tensor([[[[1., 2.],\n          [3., 4.]]],\n\n\n        [[[5., 6.],\n"
                  "          [7., 8.]]]], dtype=torch.float64, requires_grad=True)",
                  2, 1, 2, 2, eight);
    expect_weight("Parameter containing:\ntensor([[[[1.0000e+00, 2.0000e+00]]],\n"
                  "        [[[3.0000e+00, 4.0000e+00]]]], requires_grad=True)",
                  2, 1, 1, 2, eight);
    expect_weight("array([[[[1., 2., 3., 4.]]]], dtype=float32)", 1, 1, 1, 4, eight);
    expect_weight("np.array([[[[1 2 3 4 5 6 7 8]]]])", 1, 1, 1, 8, eight);
    expect_weight("  [[[[1,2,],[3,4,],],],]\n", 1, 1, 2, 2, eight);
}

static void test_banks(void **state)
{
    (void)state;
    convtool_kernel_spec spec;
    /* a pasted edge_kernels.tolist(): two 2x3 kernels, not one 4x3 */
    assert_int_equal(parse("[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 2, 3]]]", &spec, NULL),
                     CONVTOOL_OK);
    assert_false(spec.is_weight);
    assert_int_equal(spec.bank.count, 2);
    assert_int_equal(spec.bank.kernels[1].h, 2);
    assert_int_equal(spec.bank.kernels[1].w, 3);
    assert_true(spec.bank.kernels[1].values[0] == 7.0f);
    convtool_kernel_spec_free(&spec);
    assert_int_equal(parse("tensor([[1., 2.], [3., 4.]])", &spec, NULL), CONVTOOL_OK);
    assert_int_equal(spec.bank.count, 1);
    assert_int_equal(spec.bank.kernels[0].h, 2);
    convtool_kernel_spec_free(&spec);
    /* comments and layout before the brackets do not hide the depth */
    assert_int_equal(parse("# two kernels\n[ [ [1, 2]], [[3, 4]]]  # done", &spec, NULL),
                     CONVTOOL_OK);
    assert_int_equal(spec.bank.count, 2);
    convtool_kernel_spec_free(&spec);
    convtool_parse_error e;
    assert_int_equal(parse("description: d\n[[[1, 2]], [[3, 4]]]", &spec, &e), CONVTOOL_EPARSE);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 3);
    assert_string_equal(e.message, "lists nested 3 deep are a bank of kernels (4 deep a weight): "
                                   "give them without directives, or one kernel per --- section");
    assert_int_equal(parse("1 2; 3 4", &spec, NULL), CONVTOOL_OK); /* the text format as before */
    assert_int_equal(spec.bank.count, 1);
    convtool_kernel_spec_free(&spec);
    /* the bank API refuses a weight, but for torch's 1-in 1-out print of one kernel */
    convtool_kernel_bank bank;
    convtool_parse_error err;
    const char *w = "[[[[1, 2]]], [[[3, 4]]]]";
    assert_int_equal(convtool_kernel_bank_parse(w, strlen(w), "b", CONVTOOL_KERNEL_FORMAT_AUTO,
                                                &bank, &err),
                     CONVTOOL_EPARSE);
    assert_non_null(strstr(err.message, "a 4-D weight (2, 1, 1, 2) mixes channels"));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("[[[1, 2], [3, 4]], [[5, 6], [7]]]", 1, 29,
                 "list [1][1] has 1 item but the lists before it at that depth have 2: the "
                 "nesting is ragged");
    expect_error("[[[1, 2]], [[3, 4], [5, 6]]]", 1, 12,
                 "list [1] has 2 items but the lists before it at that depth have 1: the nesting "
                 "is ragged");
    expect_error("[[[1, 2], [3, 4]], [5, 6]]", 1, 21,
                 "the value at [1][0] is a number, but the numbers before it sit 3 lists deep: "
                 "the nesting is ragged");
    expect_error("[[[1, 2], 3]]", 1, 11,
                 "the value at [0][1] is a number, but the numbers before it sit 3 lists deep: "
                 "the nesting is ragged");
    expect_error("[[[1, [2]]]]", 1, 7,
                 "the item at [0][0][1] is a list, but the items before it at that depth are "
                 "numbers: the nesting is ragged");
    expect_error("[[[1]]], [[[2]]]", 1, 8,
                 "text after the lists' last \"]\" (several arrays? give each its own -k)");
    expect_error("[[[[[1]]]]]", 1, 5,
                 "lists nested more than 4 deep (a weight is 4-D: out channels, in channels per "
                 "group, height, width)");
    expect_error("[[[1, 2],\n  [3, x]]]", 2, 7, "cannot read \"x\" as a number");
    expect_error("[[[1,, 2]]]", 1, 6, "a comma with no value before it");
    expect_error("[[[]]]", 1, 3, "list [0][0] is empty");
    expect_error("[[[1, 2]]", 1, 1, "\"[\" is never closed");
    expect_error("tensor([[[1., ...]]])", 1, 15,
                 "\"...\": the tensor was printed in short; print it whole "
                 "(torch.set_printoptions(profile='full')) or pass it as .npy (np.save)");
    expect_error("tensor([[[1.]]] dtype=float)", 1, 17,
                 "expected \")\" or \", dtype=...)\" after the lists");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_banks),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
